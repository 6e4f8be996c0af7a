//! What the system asks of a cadre sent to help — a household's helper (帮扶责任人) or a member of
//! a village work team (驻村工作队): the sending unit's layer and division, and a phone number,
//! checked the same way wherever a cadre is recorded, and the phone's masked form.

use crate::division::Division;
use crate::jurisdiction::Layer;
use crate::registry::registry;
use crate::rules::Invalid;

/// Characters of a phone number: at least this many digits …
pub const PHONE_MIN_CHARS: usize = 5;
/// … and at most this many characters (digits and an optional leading `+`).
pub const PHONE_MAX_CHARS: usize = 20;

/// The division code a central unit gives.
pub const CENTRE: &str = "CN";

/// Whether `phone` is a phone number: 5 to 20 characters, digits with an optional leading `+`.
pub fn phone_ok(phone: &str) -> bool {
    let digits = phone.strip_prefix('+').unwrap_or(phone);
    (PHONE_MIN_CHARS..=PHONE_MAX_CHARS).contains(&phone.chars().count()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The phone at field `at`, trimmed; a malformed one is reported there.
pub fn phone(text: &str, at: &str, bad: &mut Invalid) -> String {
    let phone = text.trim().to_owned();
    if !phone_ok(&phone) {
        bad.push(at, format!("{PHONE_MIN_CHARS} to {PHONE_MAX_CHARS} digits, optionally after a +"));
    }
    phone
}

/// The masked form of a phone number: its first three and last four digits for a number of at
/// least nine characters (`138****5678`), only the last two otherwise.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    let n = chars.len();
    if n >= 9 {
        format!("{}****{}", chars[..3].iter().collect::<String>(), chars[n - 4..].iter().collect::<String>())
    } else {
        format!("****{}", chars[n.saturating_sub(2)..].iter().collect::<String>())
    }
}

/// The sending unit's layer (`unit_layer`) and division (`unit_division`: `CN` for a central unit,
/// else a division of that layer in the registry), for a cadre who may come from `lowest` or a
/// higher layer. Every problem is reported at `{prefix}unit_layer` or `{prefix}unit_division`.
pub fn unit(layer: &str, division: &str, lowest: Layer, prefix: &str, bad: &mut Invalid) -> Option<(Layer, String)> {
    let at_layer = format!("{prefix}unit_layer");
    let at_division = format!("{prefix}unit_division");
    let allowed: Vec<&str> = Layer::ALL.iter().filter(|l| **l <= lowest).map(|l| l.as_str()).collect();
    let Some(layer) = Layer::ALL.into_iter().find(|l| l.as_str() == layer) else {
        bad.push(at_layer, format!("must be one of {}", allowed.join(", ")));
        return None;
    };
    if layer > lowest {
        bad.push(at_layer, format!("the unit must be of the {lowest} or a higher layer: {}", allowed.join(", ")));
        return None;
    }
    let code = division.trim();
    if layer == Layer::Central {
        if code != CENTRE {
            bad.push(at_division, format!("a central unit's division is {CENTRE}"));
            return None;
        }
        return Some((layer, code.to_owned()));
    }
    match Division::parse(code) {
        Ok(d) if Layer::of(&d) != layer => {
            bad.push(at_division, format!("must be the code of a {layer}, as unit_layer says"));
            None
        }
        Ok(d) if !registry().exists(&d) => {
            bad.push(at_division, "not a division in the registry");
            None
        }
        Ok(d) => Some((layer, d.to_string())),
        Err(e) => {
            bad.push(at_division, e.to_string());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_masked_to_their_ends() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("+8613812345678"), "+86****5678");
        assert_eq!(mask_phone("12345"), "****45");
    }

    #[test]
    fn a_unit_must_be_of_its_layer_and_not_below_the_lowest() {
        let mut bad = Invalid::new();
        assert_eq!(unit("county", "520624", Layer::County, "", &mut bad), Some((Layer::County, "520624".into())));
        assert_eq!(unit("central", "CN", Layer::Township, "", &mut bad), Some((Layer::Central, "CN".into())));
        assert!(bad.is_empty());
        assert_eq!(unit("township", "520624101", Layer::County, "", &mut bad), None);
        assert_eq!(unit("province", "520624", Layer::County, "helper/", &mut bad), None);
        assert_eq!(unit("central", "520000", Layer::County, "", &mut bad), None);
        let fields: Vec<String> = bad.0.into_iter().map(|v| v.field).collect();
        assert_eq!(fields, ["unit_layer", "helper/unit_division", "unit_division"]);
    }
}
