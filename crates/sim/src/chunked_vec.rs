//! A growable array stored as fixed-size chunks behind reference counts, so that cloning it — a
//! time-travel checkpoint clones the whole cluster — copies a few pointers instead of every
//! element. A clone and its original share their full chunks until one of them writes to one;
//! that chunk alone is then copied (copy on write). Full chunks are gathered in shared groups, so
//! a clone copies one pointer per group of chunks; appends go to a tail owned by each copy, which
//! becomes a shared chunk once full. A run only ever appends records and rewrites its newest
//! ones, so checkpoints taken seconds apart share almost everything.
//!
//! ```text
//!   groups (shared)        open chunks (shared)   tail (owned)
//!   [[c0 c1 … c31]] [[…]]  [c64][c65'] …          [t t t ·]
//!                                 c65 copied at its first write after a checkpoint
//! ```
//!
//! The front can be dropped too (retention deletes a log's oldest entries): memory is released a
//! whole group (or, before the first group fills, a whole chunk) at a time.

use std::rc::Rc;

/// A vector of `T` in chunks of `1 << SHIFT` elements, gathered `1 << GROUP_SHIFT` chunks to a
/// group, shared between clones until written.
#[derive(Debug)]
pub struct ChunkedVec<T, const SHIFT: u32, const GROUP_SHIFT: u32 = 5> {
    /// Full groups of full chunks, shared with clones.
    groups: Vec<Rc<Vec<Rc<Vec<T>>>>>,
    /// Full chunks after the groups (fewer than a group), each shared with clones.
    chunks: Vec<Rc<Vec<T>>>,
    /// The elements after the full chunks (fewer than a chunk), owned.
    tail: Vec<T>,
    /// Elements dropped from the front of the first group — or of the first chunk, or the tail,
    /// when there is none — always less than one of them.
    start: usize,
    /// Elements held, from `start` on.
    len: usize,
}

/// A clone shares the groups and full chunks and copies the tail (only its elements, so a clone
/// kept as a checkpoint holds no unused room).
impl<T: Clone, const SHIFT: u32, const GROUP_SHIFT: u32> Clone
    for ChunkedVec<T, SHIFT, GROUP_SHIFT>
{
    fn clone(&self) -> Self {
        ChunkedVec {
            groups: self.groups.clone(),
            chunks: self.chunks.clone(),
            tail: self.tail.clone(),
            start: self.start,
            len: self.len,
        }
    }
}

impl<T, const SHIFT: u32, const GROUP_SHIFT: u32> Default for ChunkedVec<T, SHIFT, GROUP_SHIFT> {
    fn default() -> Self {
        ChunkedVec {
            groups: Vec::new(),
            chunks: Vec::new(),
            tail: Vec::new(),
            start: 0,
            len: 0,
        }
    }
}

impl<T: Clone, const SHIFT: u32, const GROUP_SHIFT: u32> ChunkedVec<T, SHIFT, GROUP_SHIFT> {
    /// Elements per chunk.
    pub const CHUNK: usize = 1 << SHIFT;
    const MASK: usize = (1 << SHIFT) - 1;
    /// Chunks per group.
    const GROUP: usize = 1 << GROUP_SHIFT;

    /// An empty vector.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many elements it holds.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds none.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Element slots allocated (whole chunks, the dropped front included, and the tail's room).
    pub fn capacity(&self) -> usize {
        (((self.groups.len() << GROUP_SHIFT) + self.chunks.len()) << SHIFT) + self.tail.capacity()
    }

    /// Where the open chunks start, counted from the first group's first slot.
    #[inline(always)]
    fn chunks_base(&self) -> usize {
        if GROUP_SHIFT == 0 {
            0 // no groups: every full chunk stays in `chunks`
        } else {
            self.groups.len() << (SHIFT + GROUP_SHIFT)
        }
    }

    /// Where the tail starts.
    #[inline(always)]
    fn tail_base(&self) -> usize {
        self.chunks_base() + (self.chunks.len() << SHIFT)
    }

    /// The full chunk holding slot `at` (below `tail_base`).
    #[inline(always)]
    fn chunk(&self, at: usize) -> &Rc<Vec<T>> {
        if GROUP_SHIFT == 0 {
            return &self.chunks[at >> SHIFT];
        }
        let base = self.chunks_base();
        if at >= base {
            &self.chunks[(at - base) >> SHIFT]
        } else {
            &self.groups[at >> (SHIFT + GROUP_SHIFT)][(at >> SHIFT) & (Self::GROUP - 1)]
        }
    }

    /// Element `i`, if there is one.
    #[inline(always)]
    pub fn get(&self, i: usize) -> Option<&T> {
        if i >= self.len {
            return None;
        }
        let at = i + self.start;
        let base = self.tail_base();
        if at >= base {
            self.tail.get(at - base)
        } else {
            Some(&self.chunk(at)[at & Self::MASK])
        }
    }

    /// Element `i` for writing, if there is one: a shared chunk (and its group) is copied first.
    #[inline(always)]
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        if i >= self.len {
            return None;
        }
        let at = i + self.start;
        let tail_base = self.tail_base();
        if at >= tail_base {
            return self.tail.get_mut(at - tail_base);
        }
        Some(self.get_mut_in_chunk(at))
    }

    /// The element at slot `at` (below `tail_base`) for writing.
    #[inline(always)]
    fn get_mut_in_chunk(&mut self, at: usize) -> &mut T {
        if GROUP_SHIFT == 0 {
            return &mut Self::unique(&mut self.chunks[at >> SHIFT])[at & Self::MASK];
        }
        let chunks_base = self.chunks_base();
        let chunk = if at >= chunks_base {
            &mut self.chunks[(at - chunks_base) >> SHIFT]
        } else {
            let group = Rc::make_mut(&mut self.groups[at >> (SHIFT + GROUP_SHIFT)]);
            &mut group[(at >> SHIFT) & (Self::GROUP - 1)]
        };
        &mut Self::unique(chunk)[at & Self::MASK]
    }

    /// A full chunk for writing: copied first when a clone shares it (the copy out of line, as it
    /// is rare; `Rc::make_mut` would inline it into every write).
    #[inline(always)]
    fn unique(chunk: &mut Rc<Vec<T>>) -> &mut Vec<T> {
        if Rc::strong_count(chunk) != 1 || Rc::weak_count(chunk) != 0 {
            Self::unshare(chunk);
        }
        Rc::get_mut(chunk).expect("the chunk was made unique")
    }

    /// Copies a chunk shared with a clone, so that this one may write to it.
    #[cold]
    #[inline(never)]
    fn unshare(chunk: &mut Rc<Vec<T>>) {
        Rc::make_mut(chunk);
    }

    /// The elements from index `i` on that are stored together (up to the end of `i`'s chunk,
    /// or of the tail); empty past the end.
    #[inline(always)]
    pub fn slice_from(&self, i: usize) -> &[T] {
        if i >= self.len {
            return &[];
        }
        let at = i + self.start;
        let base = self.tail_base();
        if at >= base {
            &self.tail[at - base..]
        } else {
            &self.chunk(at)[at & Self::MASK..]
        }
    }

    /// Appends an element.
    #[inline(always)]
    pub fn push(&mut self, value: T) {
        if self.tail.len() == self.tail.capacity() {
            // A fresh tail, or a clone's copy: room for a whole chunk at once.
            self.tail.reserve_exact(Self::CHUNK - self.tail.len());
        }
        self.tail.push(value);
        self.len += 1;
        if self.tail.len() == Self::CHUNK {
            let full = std::mem::replace(&mut self.tail, Vec::with_capacity(Self::CHUNK));
            self.chunks.push(Rc::new(full));
            if GROUP_SHIFT > 0 && self.chunks.len() == Self::GROUP {
                let group = std::mem::replace(&mut self.chunks, Vec::with_capacity(Self::GROUP));
                self.groups.push(Rc::new(group));
            }
        }
    }

    /// Appends `f` of each of `items`, filling the tail a chunk's room at a time (a slice's known
    /// length lets each fill run without a check per element).
    #[inline]
    pub fn extend_mapped<S>(&mut self, items: &[S], mut f: impl FnMut(&S) -> T) {
        let mut rest = items;
        while !rest.is_empty() {
            if self.tail.capacity() < Self::CHUNK {
                self.tail.reserve_exact(Self::CHUNK - self.tail.len());
            }
            let room = Self::CHUNK - 1 - self.tail.len();
            if room == 0 {
                // The chunk's last slot: `push` seals it.
                self.push(f(&rest[0]));
                rest = &rest[1..];
                continue;
            }
            let (now, later) = rest.split_at(room.min(rest.len()));
            self.tail.extend(now.iter().map(&mut f));
            self.len += now.len();
            rest = later;
        }
    }

    /// Calls `f` with each listed element for writing, in order, with the item that came with its
    /// index (indices past the end are skipped). A batch of records mostly lies in a few chunks:
    /// each chunk is looked up (and made unique) once per run of indices in it, not per element.
    #[inline]
    pub fn update_each<I>(
        &mut self,
        items: impl IntoIterator<Item = (usize, I)>,
        mut f: impl FnMut(I, &mut T),
    ) {
        if GROUP_SHIFT != 0 {
            for (i, item) in items {
                if let Some(x) = self.get_mut(i) {
                    f(item, x);
                }
            }
            return;
        }
        let tail_base = self.tail_base();
        let (start, len) = (self.start, self.len);
        let (chunks, tail) = (&mut self.chunks, &mut self.tail);
        let mut current: Option<(usize, &mut Vec<T>)> = None;
        for (i, item) in items {
            if i >= len {
                continue;
            }
            let at = i + start;
            if at >= tail_base {
                f(item, &mut tail[at - tail_base]);
                continue;
            }
            let k = at >> SHIFT;
            if current.as_ref().is_none_or(|(c, _)| *c != k) {
                current = Some((k, Self::unique(&mut chunks[k])));
            }
            let (_, chunk) = current.as_mut().expect("the chunk was just looked up");
            f(item, &mut chunk[at & Self::MASK]);
        }
    }

    /// Grows to `len` elements with copies of `value` (never shrinks), a chunk's worth at a time.
    pub fn resize(&mut self, len: usize, value: T) {
        while self.len < len {
            if self.tail.len() == Self::CHUNK - 1 || self.tail.capacity() < Self::CHUNK {
                // The last slot of a chunk (which seals it), or a tail without a chunk's room.
                self.push(value.clone());
                continue;
            }
            let n = (len - self.len).min(Self::CHUNK - 1 - self.tail.len());
            self.tail.extend(std::iter::repeat_n(value.clone(), n));
            self.len += n;
        }
    }

    /// A reader for looking up many elements near each other: it keeps the last chunk it used.
    #[inline]
    pub fn reader(&self) -> Reader<'_, T, SHIFT, GROUP_SHIFT> {
        Reader {
            vec: self,
            first: 0,
            held: &[],
        }
    }

    /// The stored slice holding element `i` (its whole chunk, or the tail, within the elements
    /// held) and the index of that slice's first element; `None` past the end.
    fn stored_around(&self, i: usize) -> Option<(usize, &[T])> {
        if i >= self.len {
            return None;
        }
        let at = i + self.start;
        let base = self.tail_base();
        let (slot, slice) = if at >= base {
            (base, &self.tail[..])
        } else {
            (at & !Self::MASK, &self.chunk(at)[..])
        };
        // Slots before `start` were dropped from the front.
        let skip = self.start.saturating_sub(slot);
        Some((slot + skip - self.start, &slice[skip..]))
    }

    /// Keeps the first `len` elements (no-op when it holds fewer).
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        if len == 0 {
            self.clear();
            return;
        }
        let end = self.start + len;
        if end < self.chunks_base() {
            // The group holding the new end opens again: its chunks up to the end's.
            let g = end >> (SHIFT + GROUP_SHIFT);
            self.groups.truncate(g + 1);
            let group = self.groups.pop().expect("the group holding the end");
            let upto = ((end >> SHIFT) & (Self::GROUP - 1)) + 1;
            self.chunks = group[..upto].to_vec();
            self.tail.clear();
        }
        let tail_base = self.tail_base();
        if end >= tail_base {
            self.tail.truncate(end - tail_base);
        } else {
            // The chunk holding the new end becomes the tail.
            let k = (end - self.chunks_base()) >> SHIFT;
            self.chunks.truncate(k + 1);
            let last = self.chunks.pop().expect("the chunk holding the end");
            let mut tail = Vec::with_capacity(Self::CHUNK);
            tail.extend_from_slice(&last[..end & Self::MASK]);
            self.tail = tail;
        }
        self.len = len;
    }

    /// Drops the first `n` elements (all of them when it holds fewer); groups (or, before the
    /// first group, chunks) left empty are released.
    pub fn drop_front(&mut self, n: usize) {
        let n = n.min(self.len);
        if n == self.len {
            self.clear();
            return;
        }
        self.start += n;
        self.len -= n;
        let whole = (self.start >> (SHIFT + GROUP_SHIFT)).min(self.groups.len());
        if whole > 0 {
            self.groups.drain(..whole);
            self.start -= whole << (SHIFT + GROUP_SHIFT);
        }
        if self.groups.is_empty() {
            let whole = (self.start >> SHIFT).min(self.chunks.len());
            if whole > 0 {
                self.chunks.drain(..whole);
                self.start -= whole << SHIFT;
            }
        }
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        self.groups.clear();
        self.chunks.clear();
        self.tail.clear();
        self.start = 0;
        self.len = 0;
    }

    /// The elements from index `from` to `to` (exclusive), as contiguous slices in order.
    pub fn slices(&self, from: usize, to: usize) -> impl Iterator<Item = &[T]> + '_ {
        let to = to.min(self.len);
        let from = from.min(to);
        let (mut at, end) = (from + self.start, to + self.start);
        let base = self.tail_base();
        std::iter::from_fn(move || {
            if at >= end {
                return None;
            }
            if at >= base {
                let slice = &self.tail[at - base..end - base];
                at = end;
                return Some(slice);
            }
            let chunk = self.chunk(at);
            let lo = at & Self::MASK;
            let hi = (end - (at - lo)).min(Self::CHUNK);
            at += hi - lo;
            Some(&chunk[lo..hi])
        })
    }

    /// Every element in order.
    pub fn iter(&self) -> Iter<'_, T, SHIFT, GROUP_SHIFT> {
        Iter {
            vec: self,
            front: 0,
            back: self.len,
        }
    }

    /// Calls `f` with the address and allocated bytes of each allocation holding elements or
    /// chunk pointers — groups, chunks, the open chunk list and the tail — to tell shared ones
    /// apart when counting what several clones hold (the open list and the tail are never shared).
    pub fn for_each_chunk(&self, f: &mut dyn FnMut(usize, u64)) {
        let size = std::mem::size_of::<T>() as u64;
        let pointer = std::mem::size_of::<Rc<Vec<T>>>() as u64;
        for group in &self.groups {
            f(
                Rc::as_ptr(group) as usize,
                group.capacity() as u64 * pointer,
            );
            for chunk in group.iter() {
                f(Rc::as_ptr(chunk) as usize, chunk.capacity() as u64 * size);
            }
        }
        for chunk in &self.chunks {
            f(Rc::as_ptr(chunk) as usize, chunk.capacity() as u64 * size);
        }
        for (at, bytes) in [
            (
                self.chunks.as_ptr() as usize,
                self.chunks.capacity() as u64 * pointer,
            ),
            (
                self.tail.as_ptr() as usize,
                self.tail.capacity() as u64 * size,
            ),
        ] {
            if bytes > 0 {
                f(at, bytes);
            }
        }
    }
}

impl<T: Clone, const SHIFT: u32, const GROUP_SHIFT: u32> std::ops::Index<usize>
    for ChunkedVec<T, SHIFT, GROUP_SHIFT>
{
    type Output = T;
    #[inline]
    fn index(&self, i: usize) -> &T {
        self.get(i).expect("index within the chunked vector")
    }
}

impl<T: Clone + PartialEq, const SHIFT: u32, const GROUP_SHIFT: u32> PartialEq
    for ChunkedVec<T, SHIFT, GROUP_SHIFT>
{
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl<T: Clone + Eq, const SHIFT: u32, const GROUP_SHIFT: u32> Eq
    for ChunkedVec<T, SHIFT, GROUP_SHIFT>
{
}

impl<T: Clone, const SHIFT: u32, const GROUP_SHIFT: u32> FromIterator<T>
    for ChunkedVec<T, SHIFT, GROUP_SHIFT>
{
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut v = ChunkedVec::new();
        for x in iter {
            v.push(x);
        }
        v
    }
}

/// Looks up elements of a [`ChunkedVec`], keeping the slice it found the last one in, so that an
/// element near the last one (a batch of records, mostly consecutive) costs one comparison.
#[derive(Clone, Debug)]
pub struct Reader<'a, T, const SHIFT: u32, const GROUP_SHIFT: u32> {
    vec: &'a ChunkedVec<T, SHIFT, GROUP_SHIFT>,
    /// The index of `held`'s first element.
    first: usize,
    held: &'a [T],
}

impl<'a, T: Clone, const SHIFT: u32, const GROUP_SHIFT: u32> Reader<'a, T, SHIFT, GROUP_SHIFT> {
    /// Element `i`, if there is one.
    #[inline(always)]
    pub fn get(&mut self, i: usize) -> Option<&'a T> {
        match self.held.get(i.wrapping_sub(self.first)) {
            Some(x) => Some(x),
            None => self.look_up(i),
        }
    }

    /// Finds the slice holding element `i` and keeps it.
    #[inline(never)]
    fn look_up(&mut self, i: usize) -> Option<&'a T> {
        let (first, held) = self.vec.stored_around(i)?;
        (self.first, self.held) = (first, held);
        held.get(i - first)
    }
}

/// The elements of a [`ChunkedVec`] in order.
#[derive(Clone, Debug)]
pub struct Iter<'a, T, const SHIFT: u32, const GROUP_SHIFT: u32> {
    vec: &'a ChunkedVec<T, SHIFT, GROUP_SHIFT>,
    front: usize,
    back: usize,
}

impl<'a, T: Clone, const SHIFT: u32, const GROUP_SHIFT: u32> Iterator
    for Iter<'a, T, SHIFT, GROUP_SHIFT>
{
    type Item = &'a T;
    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        if self.front >= self.back {
            return None;
        }
        self.front += 1;
        self.vec.get(self.front - 1)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}

impl<T: Clone, const SHIFT: u32, const GROUP_SHIFT: u32> DoubleEndedIterator
    for Iter<'_, T, SHIFT, GROUP_SHIFT>
{
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        self.vec.get(self.back)
    }
}

impl<T: Clone, const SHIFT: u32, const GROUP_SHIFT: u32> ExactSizeIterator
    for Iter<'_, T, SHIFT, GROUP_SHIFT>
{
}

#[cfg(test)]
mod tests {
    use super::*;

    type Small = ChunkedVec<u32, 2, 1>; // chunks of 4, groups of 2 chunks

    /// A model `Vec` and a chunked one (chunks of 4; groups of `1 << G` chunks, or none for
    /// `G` = 0), driven by the same operations.
    fn check<const G: u32>(ops: &[(u8, u32)]) {
        let (mut model, mut v) = (Vec::<u32>::new(), ChunkedVec::<u32, 2, G>::new());
        let mut clones: Vec<(Vec<u32>, ChunkedVec<u32, 2, G>)> = Vec::new();
        for &(op, x) in ops {
            match op % 7 {
                0 | 1 => {
                    model.push(x);
                    v.push(x);
                }
                2 => {
                    let n = x as usize % (model.len() + 2);
                    model.truncate(n);
                    v.truncate(n);
                }
                3 => {
                    let n = (x as usize % (model.len() + 2)).min(model.len());
                    model.drain(..n);
                    v.drop_front(n);
                }
                4 => {
                    if !model.is_empty() {
                        let i = x as usize % model.len();
                        model[i] = x;
                        *v.get_mut(i).unwrap() = x;
                    }
                }
                5 if x % 2 == 0 => clones.push((model.clone(), v.clone())),
                5 => {
                    let items: Vec<u32> = (0..x % 11).collect();
                    model.extend(items.iter().map(|i| i + x));
                    v.extend_mapped(&items, |i| i + x);
                }
                _ => {
                    let n = model.len() + (x as usize % 11);
                    model.resize(n, 7);
                    v.resize(n, 7);
                }
            }
            assert_eq!(v.len(), model.len());
            assert_eq!(v.iter().copied().collect::<Vec<_>>(), model);
            assert_eq!(
                v.iter().rev().copied().collect::<Vec<_>>(),
                model.iter().rev().copied().collect::<Vec<_>>()
            );
            let lo = x as usize % (model.len() + 1);
            let joined: Vec<u32> = v.slices(lo, model.len()).flatten().copied().collect();
            assert_eq!(joined, model[lo..]);
            // A reader answers lookups in any order, near and far, and past the end.
            let mut reader = v.reader();
            for k in 0..model.len() + 2 {
                let i = (k * 7 + lo) % (model.len() + 2);
                assert_eq!(reader.get(i), model.get(i), "reader.get({i})");
            }
            // Writing to the original never shows through a clone taken earlier.
            for (m, c) in &clones {
                assert_eq!(c.iter().copied().collect::<Vec<_>>(), *m);
            }
        }
    }

    #[test]
    fn behaves_as_a_vec_and_clones_never_see_later_writes() {
        // A fixed xorshift stream of operations over small chunks reaches every boundary case.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..200 {
            let ops: Vec<(u8, u32)> = (0..120)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    ((x >> 56) as u8, (x >> 8) as u32 % 1000)
                })
                .collect();
            check::<1>(&ops);
            check::<0>(&ops);
        }
    }

    #[test]
    fn a_clone_shares_full_chunks_and_writes_copy_only_the_touched_chunk() {
        let ptrs = |v: &Small| {
            let mut set = std::collections::BTreeSet::new();
            v.for_each_chunk(&mut |p, _| {
                set.insert(p);
            });
            set
        };
        let mut v: Small = (0..10).collect(); // group [c0 c1], tail [8, 9]
        let c = v.clone();
        // The group and its two chunks are shared; the tails (and open chunk lists) are not.
        assert_eq!(ptrs(&v).intersection(&ptrs(&c)).count(), 3);
        *v.get_mut(5).unwrap() = 99;
        v.push(10);
        // Writing copied the group and the chunk written to; only c0 is still shared.
        assert_eq!(ptrs(&v).intersection(&ptrs(&c)).count(), 1);
        assert_eq!((c[5], c.len()), (5, 10));
        assert_eq!((v[5], v[10], v.len()), (99, 10, 11));
    }

    #[test]
    fn dropping_the_front_releases_whole_chunks() {
        let mut v: Small = (0..10).collect();
        v.drop_front(9);
        assert_eq!(v.capacity(), 4);
        assert_eq!(v.iter().copied().collect::<Vec<_>>(), vec![9]);
        v.push(10);
        v.push(11);
        v.push(12);
        assert_eq!(v.iter().copied().collect::<Vec<_>>(), vec![9, 10, 11, 12]);
    }
}
