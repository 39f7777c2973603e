//! A growable array stored as fixed-size chunks behind reference counts, so that cloning it — a
//! time-travel checkpoint clones the whole cluster — copies one pointer per full chunk instead of
//! every element. A clone and its original share their full chunks until one of them writes to
//! one; that chunk alone is then copied (copy on write). Appends go to a tail owned by each copy,
//! which becomes a shared chunk once full. A run only ever appends records and rewrites its newest
//! ones, so checkpoints taken seconds apart share almost everything.
//!
//! ```text
//!   checkpoint:  [c0][c1][c2] + tail·         full chunks shared, its own copy of the tail
//!                  |   |   |
//!   current:     [c0][c1][c2'] + tail····     c2 copied at its first write after the checkpoint
//! ```
//!
//! The front can be dropped too (retention deletes a log's oldest entries): whole chunks are
//! released once every element in them is gone.

use std::rc::Rc;

/// A vector of `T` in chunks of `1 << SHIFT` elements, shared between clones until written.
#[derive(Debug)]
pub struct ChunkedVec<T, const SHIFT: u32> {
    /// Full chunks, shared with clones.
    chunks: Vec<Rc<Vec<T>>>,
    /// The elements after the full chunks (fewer than a chunk), owned.
    tail: Vec<T>,
    /// Elements dropped from the front of the first chunk, or of the tail when there is no
    /// chunk (always below the chunk size).
    start: usize,
    /// Elements held, from `start` on.
    len: usize,
}

/// A clone shares the full chunks and copies the tail (only its elements, so a clone kept as a
/// checkpoint holds no unused room).
impl<T: Clone, const SHIFT: u32> Clone for ChunkedVec<T, SHIFT> {
    fn clone(&self) -> Self {
        ChunkedVec {
            chunks: self.chunks.clone(),
            tail: self.tail.clone(),
            start: self.start,
            len: self.len,
        }
    }
}

impl<T, const SHIFT: u32> Default for ChunkedVec<T, SHIFT> {
    fn default() -> Self {
        ChunkedVec {
            chunks: Vec::new(),
            tail: Vec::new(),
            start: 0,
            len: 0,
        }
    }
}

impl<T: Clone, const SHIFT: u32> ChunkedVec<T, SHIFT> {
    /// Elements per chunk.
    pub const CHUNK: usize = 1 << SHIFT;
    const MASK: usize = (1 << SHIFT) - 1;

    /// An empty vector.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many elements it holds.
    #[inline]
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
        (self.chunks.len() << SHIFT) + self.tail.capacity()
    }

    /// Where the tail starts, counted from the first chunk's first slot.
    #[inline]
    fn tail_base(&self) -> usize {
        self.chunks.len() << SHIFT
    }

    /// Element `i`, if there is one.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&T> {
        if i >= self.len {
            return None;
        }
        let at = i + self.start;
        let base = self.tail_base();
        if at >= base {
            self.tail.get(at - base)
        } else {
            Some(&self.chunks[at >> SHIFT][at & Self::MASK])
        }
    }

    /// Element `i` for writing, if there is one: a shared chunk is copied first.
    #[inline]
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        if i >= self.len {
            return None;
        }
        let at = i + self.start;
        let base = self.tail_base();
        if at >= base {
            self.tail.get_mut(at - base)
        } else {
            Some(&mut Self::own(&mut self.chunks[at >> SHIFT])[at & Self::MASK])
        }
    }

    /// Appends an element.
    #[inline]
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
        }
    }

    /// Grows to `len` elements with copies of `value` (never shrinks).
    pub fn resize(&mut self, len: usize, value: T) {
        while self.len < len {
            self.push(value.clone());
        }
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
        let base = self.tail_base();
        if end >= base {
            self.tail.truncate(end - base);
        } else {
            // The chunk holding the new end becomes the tail.
            let k = end >> SHIFT;
            self.chunks.truncate(k + 1);
            let last = self.chunks.pop().expect("the chunk holding the end");
            let mut tail = Vec::with_capacity(Self::CHUNK);
            tail.extend_from_slice(&last[..end & Self::MASK]);
            self.tail = tail;
        }
        self.len = len;
    }

    /// Drops the first `n` elements (all of them when it holds fewer); chunks left empty are
    /// released.
    pub fn drop_front(&mut self, n: usize) {
        let n = n.min(self.len);
        if n == self.len {
            self.clear();
            return;
        }
        self.start += n;
        self.len -= n;
        let whole = (self.start >> SHIFT).min(self.chunks.len());
        if whole > 0 {
            self.chunks.drain(..whole);
            self.start -= whole << SHIFT;
        }
    }

    /// Removes every element.
    pub fn clear(&mut self) {
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
            let chunk = &self.chunks[at >> SHIFT];
            let lo = at & Self::MASK;
            let hi = (end - (at - lo)).min(Self::CHUNK);
            at += hi - lo;
            Some(&chunk[lo..hi])
        })
    }

    /// Every element in order.
    pub fn iter(&self) -> Iter<'_, T, SHIFT> {
        Iter {
            vec: self,
            front: 0,
            back: self.len,
        }
    }

    /// Calls `f` with each chunk's address and allocated bytes, the tail's included (to tell
    /// shared chunks apart when counting what several clones hold; a tail is never shared).
    pub fn for_each_chunk(&self, f: &mut dyn FnMut(usize, u64)) {
        let size = std::mem::size_of::<T>() as u64;
        for chunk in &self.chunks {
            f(Rc::as_ptr(chunk) as usize, chunk.capacity() as u64 * size);
        }
        if self.tail.capacity() > 0 {
            f(
                self.tail.as_ptr() as usize,
                self.tail.capacity() as u64 * size,
            );
        }
    }

    /// A full chunk for writing, copied first when it is shared.
    #[inline]
    fn own(chunk: &mut Rc<Vec<T>>) -> &mut Vec<T> {
        Rc::make_mut(chunk)
    }
}

impl<T: Clone, const SHIFT: u32> std::ops::Index<usize> for ChunkedVec<T, SHIFT> {
    type Output = T;
    #[inline]
    fn index(&self, i: usize) -> &T {
        self.get(i).expect("index within the chunked vector")
    }
}

impl<T: Clone + PartialEq, const SHIFT: u32> PartialEq for ChunkedVec<T, SHIFT> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl<T: Clone + Eq, const SHIFT: u32> Eq for ChunkedVec<T, SHIFT> {}

impl<T: Clone, const SHIFT: u32> FromIterator<T> for ChunkedVec<T, SHIFT> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut v = ChunkedVec::new();
        for x in iter {
            v.push(x);
        }
        v
    }
}

/// The elements of a [`ChunkedVec`] in order.
#[derive(Clone, Debug)]
pub struct Iter<'a, T, const SHIFT: u32> {
    vec: &'a ChunkedVec<T, SHIFT>,
    front: usize,
    back: usize,
}

impl<'a, T: Clone, const SHIFT: u32> Iterator for Iter<'a, T, SHIFT> {
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

impl<T: Clone, const SHIFT: u32> DoubleEndedIterator for Iter<'_, T, SHIFT> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        self.vec.get(self.back)
    }
}

impl<T: Clone, const SHIFT: u32> ExactSizeIterator for Iter<'_, T, SHIFT> {}

#[cfg(test)]
mod tests {
    use super::*;

    type Small = ChunkedVec<u32, 2>; // chunks of 4

    /// A model `Vec` and a chunked one, driven by the same operations.
    fn check(ops: &[(u8, u32)]) {
        let (mut model, mut v) = (Vec::<u32>::new(), Small::new());
        let mut clones: Vec<(Vec<u32>, Small)> = Vec::new();
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
                5 => clones.push((model.clone(), v.clone())),
                _ => {
                    let n = model.len() + (x as usize % 6);
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
            let ops: Vec<(u8, u32)> = (0..60)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    ((x >> 56) as u8, (x >> 8) as u32 % 1000)
                })
                .collect();
            check(&ops);
        }
    }

    #[test]
    fn a_clone_shares_full_chunks_and_writes_copy_only_the_touched_chunk() {
        let mut v: Small = (0..10).collect(); // chunks [0..4] [4..8] [8, 9]
        let c = v.clone();
        let chunks = |v: &Small| {
            let mut ptrs = Vec::new();
            v.for_each_chunk(&mut |p, _| ptrs.push(p));
            ptrs
        };
        let (a, b) = (chunks(&v), chunks(&c));
        // Full chunks are shared; the clone has its own copy of the partly filled last one.
        assert_eq!(
            (a[0] == b[0], a[1] == b[1], a[2] == b[2]),
            (true, true, false)
        );
        *v.get_mut(5).unwrap() = 99;
        v.push(10);
        let (a, b) = (chunks(&v), chunks(&c));
        assert_eq!((a[0] == b[0], a[1] == b[1]), (true, false));
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
