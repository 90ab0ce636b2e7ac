# The analytics read hundreds of EP records per call: callers nobody can identify do
# not get them (they could spend the API budget of everyone else).
package epmcp.policies.anonymous_analytics

meta := {
	"title": "No anonymous role may use the analytics",
	"severity": "deny",
	"iso27001": ["A.9.1"],
	"nist_csf": ["PR.AA"],
}

violations contains msg if {
	role := input.anonymousRole
	role != null
	some tool in input.roleTools[role]
	tool in object.get(input.components, "analytics", [])
	msg := sprintf("the anonymous role '%s' may use the analytics tool %s (--role-tools, --anonymous-role)", [role, tool])
}

evidence := {"anonymousRole": input.anonymousRole, "anonymousTools": object.get(input.roleTools, [input.anonymousRole], [])}
