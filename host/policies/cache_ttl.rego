# EP data served from the cache is at most 15 minutes old: answers stay close to the
# Parliament's own records, and nothing is kept longer than that freshness promise.
package epmcp.policies.cache_ttl

meta := {
	"title": "Cached EP responses live at most 900 s",
	"severity": "deny",
	"iso27001": ["A.8.2"],
	"nist_csf": ["PR.DS"],
}

violations contains msg if {
	ttl := input.settings.cache.ttlSeconds
	ttl > 900
	msg := sprintf("the cache keeps EP responses for %d s; at most 900 s (--cache-ttl-secs)", [ttl])
}

evidence := {"cacheTtlSeconds": object.get(input.settings.cache, "ttlSeconds", null), "cacheEnabled": object.get(input.settings.cache, "enabled", true)}
