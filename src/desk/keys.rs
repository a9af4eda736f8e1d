//! Office keys and the guild's registry of them: an office signs what it prints with
//! an Ed25519 key of its own (ed25519-dalek; no cryptography of ours), and the guild
//! keeps, for each office code, the public keys it has accepted and the dates each is
//! valid. Pure: the key's bytes come in, files are the command line's concern.

use std::collections::BTreeMap;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::core::jalali::JalaliDate;
use crate::core::office::normalize_code;
use crate::core::problem::{Problem, from_toml_error};

/// The first line of a key file, so that it is never taken for anything else.
pub const KEY_FILE_HEAD: &str =
    "# pishkhan office signing key (Ed25519). Secret: never share, print, mail or commit it.";

/// The first line of the demonstration key shipped in `examples/`: public, so it
/// proves nothing, and accepted whatever its file's mode (a checkout makes it 0644).
pub const DEMO_KEY_HEAD: &str = "# pishkhan DEMONSTRATION office key: published with pishkhan's examples, so anyone can sign with it. Never use it at a real office.";

/// An office's signing key.
pub struct OfficeKey {
    signing: SigningKey,
}

/// Never the secret: its public fingerprint only.
impl std::fmt::Debug for OfficeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OfficeKey({})", self.public().fingerprint())
    }
}

impl OfficeKey {
    /// The key of a 32-byte secret seed (random, from the system, when made).
    pub fn from_seed(seed: [u8; 32]) -> OfficeKey {
        OfficeKey {
            signing: SigningKey::from_bytes(&seed),
        }
    }

    /// A key file's text: the head, then `secret = "<64 hex digits>"`.
    pub fn file_text(&self) -> String {
        format!(
            "{KEY_FILE_HEAD}\nkind = \"ed25519\"\nsecret = \"{}\"\n",
            hex(self.signing.as_bytes())
        )
    }

    /// Reads a key file's text; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<OfficeKey, String> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            kind: String,
            secret: String,
        }
        let f: File = toml::from_str(text).map_err(|e| e.message().to_string())?;
        if f.kind != "ed25519" {
            return Err(format!("kind \"{}\" is not ed25519", f.kind));
        }
        let seed: [u8; 32] = unhex(&f.secret)
            .and_then(|b| b.try_into().ok())
            .ok_or("secret is not 64 hex digits")?;
        Ok(OfficeKey::from_seed(seed))
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.signing.verifying_key())
    }

    /// The Ed25519 signature of `message` (deterministic: the same bytes each time).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}

/// An office's public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// From 64 hex digits.
    pub fn parse(text: &str) -> Option<PublicKey> {
        let bytes: [u8; 32] = unhex(text)?.try_into().ok()?;
        VerifyingKey::from_bytes(&bytes).ok().map(PublicKey)
    }

    pub fn hex(&self) -> String {
        hex(self.0.as_bytes())
    }

    /// The first 16 hex digits of SHA-256 of the key: short enough for a QR code,
    /// long enough that no two keys of a registry share it by chance.
    pub fn fingerprint(&self) -> String {
        hex(&Sha256::digest(self.0.as_bytes())[..8])
    }

    /// Whether `signature` is this key's over `message` (strict verification: no
    /// malleable or small-order forms).
    pub fn verifies(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let sig = Signature::from_bytes(signature);
        self.0.verify_strict(message, &sig).is_ok()
    }
}

/// One key of the registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub office: String,
    /// The office's name as the guild knows it, shown by the verifying page.
    pub name: Option<String>,
    pub public: PublicKey,
    pub fingerprint: String,
    /// The first day it signs for.
    pub from: JalaliDate,
    /// The last day it signs for, once replaced.
    pub until: Option<JalaliDate>,
}

/// The guild's registry: the keys each office may sign with, and when.
#[derive(Clone, Debug, Default)]
pub struct KeyRegistry {
    pub entries: Vec<Entry>,
    /// Each entry's place by fingerprint: a province's registry has a thousand.
    by_fingerprint: std::collections::HashMap<String, usize>,
}

/// Why a signer is not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyProblem {
    /// No key of this fingerprint in the registry.
    Unknown,
    /// The key is another office's.
    OtherOffice(String),
    /// The date is outside the key's dates.
    OutOfDates {
        from: JalaliDate,
        until: Option<JalaliDate>,
    },
}

impl std::fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyProblem::Unknown => write!(f, "the key is not in the registry"),
            KeyProblem::OtherOffice(o) => write!(f, "the key is office {o}'s"),
            KeyProblem::OutOfDates { from, until } => match until {
                Some(u) => write!(f, "the key signs from {from} until {u} only"),
                None => write!(f, "the key signs from {from} only"),
            },
        }
    }
}

impl KeyRegistry {
    /// Reads a registry:
    ///
    /// ```toml
    /// [key.0123456789abcdef]      # the key's fingerprint
    /// office = "37-1234"
    /// name = "دفتر پیشخوان …"     # optional: shown when a receipt verifies
    /// public = "…64 hex digits…"
    /// from = "1402/10/01"
    /// until = "1403/06/31"        # once replaced
    /// ```
    ///
    /// Every problem is named with its key; any error refuses the whole registry.
    pub fn parse(src: &str) -> Result<KeyRegistry, Vec<Problem>> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            #[serde(default)]
            key: BTreeMap<String, Raw>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            office: String,
            name: Option<String>,
            public: String,
            from: String,
            until: Option<String>,
        }
        let file: File = toml::from_str(src).map_err(|e| vec![from_toml_error(src, &e)])?;
        let mut entries = Vec::new();
        let mut problems = Vec::new();
        for (fp, raw) in file.key {
            let at = format!("key.{fp}");
            let mut bad = |what: String| problems.push(Problem::error(at.clone(), what));
            let Some(public) = PublicKey::parse(&raw.public) else {
                bad("public is not an Ed25519 public key of 64 hex digits".into());
                continue;
            };
            if public.fingerprint() != fp {
                bad(format!(
                    "the fingerprint of this public key is {}, not {fp}",
                    public.fingerprint()
                ));
                continue;
            }
            let office = match normalize_code(&raw.office) {
                Ok(o) => o,
                Err(e) => {
                    bad(e.to_string());
                    continue;
                }
            };
            let date = |s: &str| JalaliDate::parse(s).map_err(|e| e.message_en());
            let (from, until) = match (date(&raw.from), raw.until.as_deref().map(date).transpose())
            {
                (Ok(f), Ok(u)) => (f, u),
                (Err(e), _) | (_, Err(e)) => {
                    bad(format!("a date: {e}"));
                    continue;
                }
            };
            if until.is_some_and(|u| u < from) {
                bad(format!("until is before from ({from})"));
                continue;
            }
            let name = raw.name.map(|n| n.trim().to_string());
            if name
                .as_ref()
                .is_some_and(|n| n.is_empty() || n.chars().any(char::is_control))
            {
                bad("name is empty or holds a control character".into());
                continue;
            }
            entries.push(Entry {
                office,
                name,
                public,
                fingerprint: fp,
                from,
                until,
            });
        }
        if problems.is_empty() {
            let by_fingerprint = entries
                .iter()
                .enumerate()
                .map(|(i, e)| (e.fingerprint.clone(), i))
                .collect();
            Ok(KeyRegistry {
                entries,
                by_fingerprint,
            })
        } else {
            Err(problems)
        }
    }

    /// The key `fingerprint` as the registry holds it, if `office` may sign with it
    /// on `date`.
    pub fn accepts(
        &self,
        office: &str,
        fingerprint: &str,
        date: JalaliDate,
    ) -> Result<&Entry, KeyProblem> {
        let e = self
            .by_fingerprint
            .get(fingerprint)
            .map(|&i| &self.entries[i])
            .ok_or(KeyProblem::Unknown)?;
        if e.office != office {
            return Err(KeyProblem::OtherOffice(e.office.clone()));
        }
        if date < e.from || e.until.is_some_and(|u| date > u) {
            return Err(KeyProblem::OutOfDates {
                from: e.from,
                until: e.until,
            });
        }
        Ok(e)
    }

    /// The key of `fingerprint`, whoever it is for.
    pub fn entry(&self, fingerprint: &str) -> Option<&Entry> {
        self.by_fingerprint
            .get(fingerprint)
            .map(|&i| &self.entries[i])
    }

    /// The line `key show` prints for the guild to paste into its registry.
    pub fn line(office: &str, key: &PublicKey, from: JalaliDate) -> String {
        format!(
            "key.{} = {{ office = \"{office}\", public = \"{}\", from = \"{from}\" }}",
            key.fingerprint(),
            key.hex()
        )
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> JalaliDate {
        JalaliDate::parse(s).unwrap()
    }

    #[test]
    fn a_key_signs_and_its_public_half_verifies() {
        let key = OfficeKey::from_seed([7; 32]);
        let again = OfficeKey::parse(&key.file_text()).unwrap();
        assert_eq!(again.public(), key.public());
        let sig = key.sign(b"PK2|37-1234");
        assert_eq!(sig, again.sign(b"PK2|37-1234"), "deterministic");
        assert!(key.public().verifies(b"PK2|37-1234", &sig));
        assert!(!key.public().verifies(b"PK2|37-1235", &sig));
        let other = OfficeKey::from_seed([8; 32]);
        assert!(!other.public().verifies(b"PK2|37-1234", &sig));
        assert_eq!(key.public().fingerprint().len(), 16);
        assert!(OfficeKey::parse("kind = \"ed25519\"\nsecret = \"00\"\n").is_err());
        assert!(OfficeKey::parse("kind = \"rsa\"\n").is_err());
    }

    #[test]
    fn the_registry_says_who_may_sign_when() {
        let a = OfficeKey::from_seed([1; 32]).public();
        let b = OfficeKey::from_seed([2; 32]).public();
        let src = format!(
            "{}\n[key.{}]\noffice = \"37-5678\"\npublic = \"{}\"\nfrom = \"1402/10/01\"\nuntil = \"1402/12/29\"\n",
            KeyRegistry::line("۳۷-۱۲۳۴", &a, d("1402/10/01")),
            b.fingerprint(),
            b.hex()
        );
        let r = KeyRegistry::parse(&src).unwrap();
        assert_eq!(r.entries.len(), 2);
        assert!(
            r.accepts("37-1234", &a.fingerprint(), d("1402/10/26"))
                .is_ok()
        );
        assert_eq!(
            r.accepts("37-1234", &a.fingerprint(), d("1402/09/30")),
            Err(KeyProblem::OutOfDates {
                from: d("1402/10/01"),
                until: None
            })
        );
        assert_eq!(
            r.accepts("37-1234", &b.fingerprint(), d("1402/10/26")),
            Err(KeyProblem::OtherOffice("37-5678".into()))
        );
        assert!(
            r.accepts("37-5678", &b.fingerprint(), d("1403/01/01"))
                .is_err()
        );
        assert_eq!(
            r.accepts("37-1234", "0000000000000000", d("1402/10/26")),
            Err(KeyProblem::Unknown)
        );
        // A fingerprint that is not its key's, a bad key, a bad date: refused, named.
        let bad = src.replacen(&a.fingerprint(), "0123456789abcdef", 1);
        let e = KeyRegistry::parse(&bad).unwrap_err();
        assert!(e[0].message.contains("fingerprint"), "{:?}", e);
        assert!(KeyRegistry::parse(&src.replace("1402/10/01", "1402/13/01")).is_err());
    }
}
