//! How the domain's values sit in database rows (the `sqlx` feature, server build only): money
//! as BIGINT fen, flags as INTEGER 0/1 (SQLite has no boolean type, and the same schema runs on
//! PostgreSQL), and the `text_enum!` words as TEXT.

use crate::money::Fen;
use sqlx::any::AnyTypeInfo;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Any, Database, Decode, Encode, Type};

impl Type<Any> for Fen {
    fn type_info() -> AnyTypeInfo {
        <i64 as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <i64 as Type<Any>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Any> for Fen {
    fn encode_by_ref(&self, buf: &mut <Any as Database>::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<'q, Any>>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Any> for Fen {
    fn decode(value: <Any as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Fen(<i64 as Decode<'r, Any>>::decode(value)?))
    }
}

/// An INTEGER column holding 0 or 1, read as a `bool` field:
/// `#[sqlx(try_from = "domain::sql::IntBool")] pub unread: bool`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntBool(pub i64);

impl Type<Any> for IntBool {
    fn type_info() -> AnyTypeInfo {
        <i64 as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <i64 as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for IntBool {
    fn decode(value: <Any as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(IntBool(<i64 as Decode<'r, Any>>::decode(value)?))
    }
}

impl From<IntBool> for bool {
    fn from(v: IntBool) -> bool {
        v.0 != 0
    }
}
