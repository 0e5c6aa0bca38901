//! Lists, a page at a time. Ids grow with time (see `IdGen`), so "newer than" is "larger id":
//! a page is the `size` largest ids below a cursor, read as `… AND id < $cursor ORDER BY id DESC
//! LIMIT size + 1` — the extra row only says whether another page follows. Nothing is skipped or
//! repeated when rows are added between two pages, and a page costs the same however deep it is.

/// Which page: the rows before `before` (all, when `None`), at most `size` of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub before: Option<i64>,
    pub size: i64,
}

impl PageRequest {
    pub const fn first(size: i64) -> PageRequest {
        PageRequest { before: None, size }
    }

    pub const fn after(before: Option<i64>, size: i64) -> PageRequest {
        PageRequest { before, size }
    }

    /// The cursor to bind for ` AND {id} < $n`.
    pub(crate) fn cursor(&self) -> i64 {
        self.before.unwrap_or(i64::MAX)
    }

    /// `ORDER BY {id} DESC LIMIT size + 1`.
    pub(crate) fn order_limit(&self, id: &str) -> String {
        format!("ORDER BY {id} DESC LIMIT {}", self.size.clamp(1, 1000) + 1)
    }

    /// Cuts the extra row off and says where the next page starts.
    pub(crate) fn page<T>(&self, mut rows: Vec<T>, id: impl Fn(&T) -> i64) -> Page<T> {
        let size = self.size.clamp(1, 1000) as usize;
        let next = if rows.len() > size {
            rows.truncate(size);
            rows.last().map(&id)
        } else {
            None
        };
        Page { items: rows, next }
    }
}

/// One page of a list, newest first, and the cursor of the next one if there is more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extra_row_only_announces_a_next_page() {
        let req = PageRequest::first(2);
        assert_eq!(req.page(vec![9, 8, 7], |x| *x), Page { items: vec![9, 8], next: Some(8) });
        assert_eq!(req.page(vec![9, 8], |x| *x), Page { items: vec![9, 8], next: None });
        assert_eq!(req.order_limit("o.id"), "ORDER BY o.id DESC LIMIT 3");
        assert_eq!(PageRequest::after(Some(8), 2).cursor(), 8);
    }
}
