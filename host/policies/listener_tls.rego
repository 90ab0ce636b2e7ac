# Identities and keys cross the network only encrypted: a listener reachable from other
# machines speaks TLS itself, or the operator says a TLS proxy terminates in front of it.
package epmcp.policies.listener_tls

meta := {
	"title": "Every non-loopback listener is served over TLS",
	"severity": "deny",
	"iso27001": ["A.9.4"],
	"nist_csf": ["PR.DS"],
}

violations contains msg if {
	input.listener.configured
	not input.listener.loopback
	not input.listener.tls
	not input.listener.insecureHttp
	msg := sprintf("the listener %s is not loopback and has no TLS: give it --tls-cert and --tls-key, or --insecure-http behind a TLS proxy", [input.listener.address])
}

evidence := input.listener
