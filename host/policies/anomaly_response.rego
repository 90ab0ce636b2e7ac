# A hosted server notices abuse by itself and answers it: anomaly detection is on.
package epmcp.policies.anomaly_response

meta := {
	"title": "A hosted server detects and answers anomalous behaviour",
	"severity": "warn",
	"iso27001": ["A.12.4"],
	"nist_csf": ["DE.CM", "RS.MA"],
}

violations contains msg if {
	input.listener.configured
	not input.settings.anomaly.enabled
	msg := "anomaly detection is off on a hosted server (--anomaly-detection)"
}

evidence := input.settings.anomaly
