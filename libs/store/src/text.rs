//! How enums are stored: as the snake_case string their serde form uses, so a column reads the same
//! as the API (`"applied"`, `"signed_off"`).

use sea_orm::DbErr;

/// The snake_case form of a serde enum.
pub fn enum_str<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Parses the snake_case form of a serde enum.
pub fn parse_enum<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, DbErr> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|e| DbErr::Type(e.to_string()))
}
