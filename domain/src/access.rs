//! Who may do what in a community. Roles are ordered: each one may do everything the roles
//! below it may. Staff (运营) run a community with its owner; only the owner handles payouts.

use crate::Error;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Not a member (or not signed in).
    Visitor,
    Member,
    Staff,
    Owner,
}

impl Role {
    /// Whether someone with this role may act where `needed` is required. A visitor who has not
    /// signed in is asked to; anyone else below the bar is refused.
    pub fn require(self, needed: Role, signed_in: bool) -> Result<(), Error> {
        if self >= needed {
            Ok(())
        } else if !signed_in {
            Err(Error::SignInRequired)
        } else {
            Err(Error::Forbidden)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_refusals_say_why() {
        assert!(Role::Owner > Role::Staff && Role::Staff > Role::Member && Role::Member > Role::Visitor);
        assert_eq!(Role::Owner.require(Role::Staff, true), Ok(()));
        assert_eq!(Role::Staff.require(Role::Owner, true), Err(Error::Forbidden));
        assert_eq!(Role::Member.require(Role::Staff, true), Err(Error::Forbidden));
        assert_eq!(Role::Visitor.require(Role::Member, false), Err(Error::SignInRequired));
        assert_eq!(Role::Visitor.require(Role::Visitor, false), Ok(()));
    }
}
