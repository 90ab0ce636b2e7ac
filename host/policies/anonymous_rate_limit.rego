# Anonymous callers are rate limited: otherwise one of them can spend the EP API budget.
package epmcp.policies.anonymous_rate_limit

meta := {
	"title": "The anonymous role has a rate limit",
	"severity": "warn",
	"iso27001": ["A.9.1"],
	"nist_csf": ["PR.AA"],
}

violations contains msg if {
	input.listener.configured
	role := input.anonymousRole
	role != null
	input.roleRates[role] == "unlimited"
	msg := sprintf("the anonymous role '%s' has no rate limit (--rate-limit, --role-rate-limits)", [role])
}

evidence := {"anonymousRole": input.anonymousRole, "rate": object.get(input.roleRates, [input.anonymousRole], null)}
