//! How the owner forms' input structs read from a posted form: every field is the text as typed
//! (a field the form left out is empty), and a checkbox is on when it was sent with any value
//! but `false`, `0` or `off`.

use serde::{Deserialize, Deserializer};

/// `#[serde(default, deserialize_with = "crate::form::checkbox")]`
pub fn checkbox<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Tick {
        Bool(bool),
        Text(String),
    }
    Ok(match Tick::deserialize(d)? {
        Tick::Bool(b) => b,
        Tick::Text(s) => !matches!(s.trim(), "" | "false" | "0" | "off"),
    })
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct F {
        #[serde(default, deserialize_with = "super::checkbox")]
        on: bool,
    }

    #[test]
    fn a_ticked_box_is_on_and_a_missing_one_off() {
        let read = |json: &str| serde_json::from_str::<F>(json).unwrap().on;
        assert!(read(r#"{"on":"on"}"#));
        assert!(read(r#"{"on":true}"#));
        assert!(!read(r#"{"on":"false"}"#));
        assert!(!read(r#"{}"#));
    }
}
