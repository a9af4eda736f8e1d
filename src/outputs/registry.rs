//! The guild's registry of office keys as the verifying page reads it
//! (`web/registry.js`): every key in fingerprint order, with its office, name,
//! public key and dates. Only what is public; the same registry gives the same bytes.

use serde_json::{Value, json};

use crate::desk::keys::KeyRegistry;

/// The version of the published shape, which the page checks.
pub const FORMAT: &str = "pishkhan-key-registry/1";

/// What a published registry script says of itself.
const SCRIPT_HEAD: &str = "\
// The guild's registry of office keys, for verify.html beside it: public keys only.
// Made by `pishkhan key registry REGISTRY.toml --format js`; do not edit by hand.
";

pub fn json(registry: &KeyRegistry) -> Value {
    let mut entries: Vec<_> = registry.entries.iter().collect();
    entries.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    let keys: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({
                "fingerprint": e.fingerprint,
                "office": e.office,
                "name": e.name,
                "public": e.public.hex(),
                "from": e.from.to_string(),
                "until": e.until.map(|u| u.to_string()),
            })
        })
        .collect();
    json!({ "format": FORMAT, "keys": keys })
}

/// The JSON, pretty, with a final newline.
pub fn json_text(registry: &KeyRegistry) -> String {
    format!("{:#}\n", json(registry))
}

/// A script setting `window.PISHKHAN_REGISTRY`: what a page opened from a file can
/// load, where it cannot fetch a JSON file.
pub fn script(registry: &KeyRegistry) -> String {
    format!(
        "{SCRIPT_HEAD}window.PISHKHAN_REGISTRY = {:#};\n",
        json(registry)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desk::keys::{OfficeKey, PublicKey};

    #[test]
    fn the_published_registry_holds_public_facts_only_in_fingerprint_order() {
        let (a, b) = (
            OfficeKey::from_seed([1; 32]).public(),
            OfficeKey::from_seed([2; 32]).public(),
        );
        let named = |k: &PublicKey, office: &str, name: &str| {
            format!(
                "[key.{}]\noffice = \"{office}\"\nname = \"{name}\"\npublic = \"{}\"\nfrom = \"1402/10/01\"\nuntil = \"1403/1/5\"\n",
                k.fingerprint(),
                k.hex()
            )
        };
        let src = named(&a, "37-1234", " دفتر ۱ ") + &named(&b, "37-5678", "دفتر ۲");
        let p = json(&KeyRegistry::parse(&src).unwrap());
        assert_eq!(p["format"], FORMAT);
        let keys = p["keys"].as_array().unwrap();
        assert!(keys[0]["fingerprint"].as_str() < keys[1]["fingerprint"].as_str());
        let ka = keys.iter().find(|k| k["office"] == "37-1234").unwrap();
        assert_eq!(ka["name"], "دفتر ۱", "trimmed");
        assert_eq!(ka["public"], a.hex());
        assert_eq!(ka["fingerprint"], a.fingerprint());
        assert_eq!(
            ka["until"], "1403/01/05",
            "zero-padded, as the page compares dates"
        );
        let bad = src.replacen("دفتر ۲", "\\u0007", 1);
        let e = KeyRegistry::parse(&bad).unwrap_err();
        assert!(e[0].message.contains("name"), "{e:?}");
    }
}
