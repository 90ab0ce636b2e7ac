//! Political-group names: the EP writes one group many ways (`PPE`, `EPP`, `S-D`, `S&D` …).

/// The common short name of a group, for matching user input against EP data.
pub fn canonical(name: &str) -> String {
    let key: String = name.trim().to_ascii_uppercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let canonical = match key.as_str() {
        "EPP" | "PPE" | "EPPED" | "PPEDE" => "EPP",
        "SD" | "SOC" | "PSE" => "S&D",
        "RENEW" | "RE" | "ALDE" | "RENEWEUROPE" => "Renew",
        "GREENSEFA" | "VERTSALE" | "GREENS" => "Greens/EFA",
        "THELEFT" | "GUENGL" | "LEFT" => "The Left",
        "ECR" => "ECR",
        "PFE" | "PATRIOTS" | "PATRIOTSFOREUROPE" => "PfE",
        "ESN" => "ESN",
        "ID" => "ID",
        "NI" | "NONATTACHED" => "NI",
        _ => return name.trim().to_string(),
    };
    canonical.to_string()
}

#[cfg(test)]
mod tests {
    use super::canonical;

    #[test]
    fn spellings_meet() {
        assert_eq!(canonical("S&D"), canonical("S-D"));
        assert_eq!(canonical("ppe"), "EPP");
        assert_eq!(canonical("Greens/EFA"), canonical("VERTS-ALE"));
        assert_eq!(canonical("Unknown Group"), "Unknown Group");
    }
}
