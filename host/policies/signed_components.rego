# What runs in the sandbox is what its publisher signed: unsigned components are for a
# developer's own machine, never for a server others reach.
package epmcp.policies.signed_components

meta := {
	"title": "A hosted server loads only signed or pinned components",
	"severity": "deny",
	"iso27001": ["A.14.2"],
	"nist_csf": ["ID.AM"],
}

violations contains msg if {
	input.listener.configured
	input.settings.components.allowUnsigned
	msg := "--allow-unsigned is set on a hosted server: sign the components (epmcp components sign) or pin their manifests"
}

evidence := {
	"allowUnsigned": input.settings.components.allowUnsigned,
	"trustedKeys": count(input.settings.components.trustedKeys),
	"pinnedManifests": count(input.settings.components.pinnedManifests),
	"components": {name: trust | some name, trust in input.componentTrust},
}
