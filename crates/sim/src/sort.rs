//! One stable sort shared by the core's control paths (assignors, group membership, scenario
//! checks), and `BTreeMap`/`BTreeSet`s built without a sort.
//!
//! Each `slice::sort_by` with a new element type or comparator compiles its own copy of the
//! standard library's driftsort, about 4 KB of wasm; the page shipped 28 of them. These helpers
//! sort positions (`usize`) through one comparator type, then move the elements into place with
//! swaps, so the sort itself is compiled once. The result is exactly `slice::sort_by`'s (stable);
//! the cost is a dynamic call per comparison and a vector of positions, which suits the short
//! lists these paths sort (not the per-record paths). `collect()` into a `BTreeMap` or a
//! `BTreeSet` sorts too (then bulk-builds the tree), with another copy per type: [`map_of`] and
//! [`set_of`] insert instead, which gives the same collection.

use std::cmp::Ordering;

/// The map of `entries` (a `BTreeMap` or a `VecMap`), as `collect()` builds it (a later
/// duplicate key wins), by insertion.
pub(crate) fn map_of<M: Default + Extend<(K, V)>, K: Ord, V>(
    entries: impl IntoIterator<Item = (K, V)>,
) -> M {
    let mut map = M::default();
    map.extend(entries);
    map
}

/// The set of `items` (a `BTreeSet` or a `VecSet`), as `collect()` builds it, by insertion.
pub(crate) fn set_of<S: Default + Extend<T>, T: Ord>(items: impl IntoIterator<Item = T>) -> S {
    let mut set = S::default();
    set.extend(items);
    set
}

/// Sorts `v` stably with `cmp`, as `v.sort_by(cmp)` does.
pub(crate) fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let mut order: Vec<usize> = (0..v.len()).collect();
    {
        let v = &*v;
        sort_positions(&mut order, &mut |a, b| cmp(&v[a], &v[b]));
    }
    permute(&mut order, &mut |a, b| v.swap(a, b));
}

/// Sorts `v` stably by `key`, as `v.sort_by_key(key)` does.
pub(crate) fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// The one compiled sort: positions, stably, by `cmp`.
fn sort_positions(order: &mut [usize], cmp: &mut dyn FnMut(usize, usize) -> Ordering) {
    order.sort_by(|&a, &b| cmp(a, b));
}

/// Moves the element at `order[i]` to position `i`, for every `i`, by swaps along each cycle of
/// the permutation (`order` ends as the identity).
fn permute(order: &mut [usize], swap: &mut dyn FnMut(usize, usize)) {
    for i in 0..order.len() {
        // Position `j` holds the element that started at `i` until the cycle closes.
        let mut j = i;
        loop {
            let k = order[j];
            order[j] = j;
            if k == i {
                break;
            }
            swap(j, k);
            j = k;
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same order as the standard library's stable sort, ties included (each element
        /// carries its original position, which the key ignores).
        #[test]
        fn sorts_as_the_standard_stable_sort(keys in prop::collection::vec(0u8..6, 0..80)) {
            let items: Vec<(u8, usize)> = keys.into_iter().zip(0..).collect();
            let mut ours = items.clone();
            sort_by_key(&mut ours, |&(k, _)| k);
            let mut std = items;
            std.sort_by_key(|&(k, _)| k);
            prop_assert_eq!(ours, std);
        }
    }

    #[test]
    fn maps_and_sets_are_the_collected_ones() {
        let pairs = [(3, "c"), (1, "a"), (3, "z"), (2, "b")];
        use std::collections::{BTreeMap, BTreeSet};
        let collected: BTreeMap<_, _> = pairs.into_iter().collect();
        assert_eq!(map_of::<BTreeMap<_, _>, _, _>(pairs), collected);
        assert_eq!(map_of::<BTreeMap<_, _>, _, _>(pairs)[&3], "z");
        let vec_map: crate::vec_map::VecMap<_, _> = map_of(pairs);
        assert!(vec_map.iter().eq(collected.iter()));
        assert_eq!(
            set_of::<BTreeSet<_>, _>([3, 1, 3, 2]),
            BTreeSet::from([1, 2, 3])
        );
    }

    #[test]
    fn sorts_by_a_comparator_and_leaves_short_lists_alone() {
        let mut v = vec!["b", "a", "c", "a"];
        sort_by(&mut v, |a, b| b.cmp(a));
        assert_eq!(v, ["c", "b", "a", "a"]);
        let mut one = [7];
        sort_by_key(&mut one, |x| *x);
        assert_eq!(one, [7]);
    }
}
