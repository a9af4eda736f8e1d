//! A few things made lately, the latest first: where a run's documents repeat one
//! template (its content stream, its object stream, its font subsets), each is made
//! once and found again by comparing, not hashing, what it was made from.

use std::collections::VecDeque;

pub(super) struct Recent<K, V> {
    items: VecDeque<(K, V)>,
    keep: usize,
}

impl<K, V: Clone> Recent<K, V> {
    /// At most `keep` kept.
    pub const fn new(keep: usize) -> Recent<K, V> {
        Recent {
            items: VecDeque::new(),
            keep,
        }
    }

    /// The value of the first key `same` holds for, moved to the front.
    pub fn find(&mut self, same: impl Fn(&K) -> bool) -> Option<V> {
        let at = self.items.iter().position(|(k, _)| same(k))?;
        let item = self.items.remove(at)?;
        let value = item.1.clone();
        self.items.push_front(item);
        Some(value)
    }

    /// Keeps `value` made from `key`, in front; the oldest goes when full.
    pub fn keep(&mut self, key: K, value: V) {
        self.items.truncate(self.keep.saturating_sub(1));
        self.items.push_front((key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::Recent;

    #[test]
    fn the_latest_first_and_the_oldest_goes() {
        let mut r = Recent::new(2);
        r.keep(1, "one");
        r.keep(2, "two");
        assert_eq!(r.find(|k| *k == 1), Some("one"));
        // 1 was found last: 2 is now the oldest, and goes.
        r.keep(3, "three");
        assert_eq!(r.find(|k| *k == 2), None);
        assert_eq!(r.find(|k| *k == 1), Some("one"));
        assert_eq!(r.find(|k| *k == 3), Some("three"));
    }
}
