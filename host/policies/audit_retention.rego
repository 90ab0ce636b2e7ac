# Audit records name identities and addresses: they are kept no longer than needed
# (data minimisation), for the host and for every tenant.
package epmcp.policies.audit_retention

meta := {
	"title": "Audit records are kept at most 90 days",
	"severity": "deny",
	"iso27001": ["A.18.1", "A.12.4"],
	"nist_csf": ["PR.DS"],
}

violations contains msg if {
	days := input.settings.audit.retentionDays
	days > 90
	msg := sprintf("the audit log is kept %d days; at most 90 (--audit-retention-days)", [days])
}

violations contains msg if {
	some name, tenant in input.settings.tenants
	tenant.auditRetentionDays > 90
	msg := sprintf("tenant '%s' keeps its audit stream %d days; at most 90 (audit_retention_days)", [name, tenant.auditRetentionDays])
}

evidence := {
	"host": object.get(input.settings.audit, "retentionDays", null),
	"tenants": {name: t.auditRetentionDays | some name, t in input.settings.tenants},
}
