# A server that many callers reach keeps a record of who did what.
package epmcp.policies.hosted_audit

meta := {
	"title": "A hosted server keeps an audit log",
	"severity": "warn",
	"iso27001": ["A.12.4"],
	"nist_csf": ["DE.CM"],
}

violations contains msg if {
	input.listener.configured
	not input.settings.audit.dir
	msg := "the hosted listener runs without an audit log (--audit-dir)"
}

evidence := input.settings.audit
