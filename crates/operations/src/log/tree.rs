//! The log's Merkle tree in memory: every complete subtree's hash, level by level, so that roots,
//! inclusion and consistency proofs (RFC 6962/9162) and the tiles of `c2sp.org/tlog-tiles` come
//! from lookups, not from rehashing the leaves.

use goodstanding_verifier::merkle::{Hash, node_hash, root};
use goodstanding_verifier::tiles::{TILE_WIDTH, Tile};

/// A tree: `levels[h][i]` is the hash of the complete subtree of 2^h leaves from leaf `i << h`.
#[derive(Debug, Default, Clone)]
pub struct Tree {
    levels: Vec<Vec<Hash>>,
}

/// The largest power of two below `n` (n > 1).
fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Adds a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        let mut height = 0;
        while self.levels[height].len().is_multiple_of(2) {
            let level = &self.levels[height];
            let parent = node_hash(&level[level.len() - 2], &level[level.len() - 1]);
            if self.levels.len() == height + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[height + 1].push(parent);
            height += 1;
        }
    }

    /// The hash of leaves `[start, start + n)` (n > 0) as RFC 6962's MTH.
    fn subtree(&self, start: u64, n: u64) -> Hash {
        if n.is_power_of_two() && start.is_multiple_of(n) {
            let height = n.trailing_zeros() as usize;
            return self.levels[height][(start >> height) as usize];
        }
        let k = split(n);
        node_hash(&self.subtree(start, k), &self.subtree(start + k, n - k))
    }

    /// The root of the tree's first `size` leaves (size at most [`Tree::size`]).
    pub fn root_at(&self, size: u64) -> Hash {
        if size == 0 {
            root(&[])
        } else {
            self.subtree(0, size)
        }
    }

    /// The root of the whole tree.
    pub fn root(&self) -> Hash {
        self.root_at(self.size())
    }

    /// The inclusion proof of leaf `index` in the tree of the first `size` leaves, sibling of
    /// the leaf first; `None` if the index is not below the size or the size above the tree's.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Option<Vec<Hash>> {
        if index >= size || size > self.size() {
            return None;
        }
        let mut path = Vec::new();
        self.path(index, 0, size, &mut path);
        Some(path)
    }

    fn path(&self, index: u64, start: u64, n: u64, out: &mut Vec<Hash>) {
        if n <= 1 {
            return;
        }
        let k = split(n);
        if index < k {
            self.path(index, start, k, out);
            out.push(self.subtree(start + k, n - k));
        } else {
            self.path(index - k, start + k, n - k, out);
            out.push(self.subtree(start, k));
        }
    }

    /// The consistency proof from the first `old` leaves to the first `new` (RFC 6962 2.1.2);
    /// `None` unless `old <= new <= size`.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Option<Vec<Hash>> {
        if old > new || new > self.size() {
            return None;
        }
        let mut proof = Vec::new();
        if old > 0 && old < new {
            self.subproof(old, 0, new, true, &mut proof);
        }
        Some(proof)
    }

    fn subproof(&self, m: u64, start: u64, n: u64, whole: bool, out: &mut Vec<Hash>) {
        if m == n {
            if !whole {
                out.push(self.subtree(start, n));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, start, k, whole, out);
            out.push(self.subtree(start + k, n - k));
        } else {
            self.subproof(m - k, start + k, n - k, false, out);
            out.push(self.subtree(start, k));
        }
    }

    /// The hashes a tile holds: at tree height 8 × its level, from its index × 256, as many as
    /// its width (the tile must be of a tree no larger than this one).
    pub fn tile_hashes(&self, tile: &Tile) -> Vec<Hash> {
        let height = 8 * tile.level as usize;
        let start = (tile.index * TILE_WIDTH) as usize;
        self.levels
            .get(height)
            .and_then(|level| level.get(start..start + tile.width as usize))
            .map(<[Hash]>::to_vec)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use goodstanding_verifier::merkle::{
        consistency_proof, inclusion_proof, leaf_hash, verify_consistency, verify_inclusion,
    };
    use goodstanding_verifier::tiles::tiles_for_size;

    use super::*;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn roots_and_proofs_agree_with_the_reference_functions_at_every_size() {
        let all = leaves(70);
        let mut tree = Tree::new();
        for (n, leaf) in all.iter().enumerate() {
            tree.push(*leaf);
            let size = n as u64 + 1;
            assert_eq!(tree.root(), root(&all[..=n]), "size {size}");
            for index in 0..size {
                let proof = tree.inclusion_proof(index, size).unwrap();
                assert_eq!(
                    Some(proof.clone()),
                    inclusion_proof(&all[..=n], index as usize)
                );
                verify_inclusion(&all[index as usize], index, size, &proof, &tree.root()).unwrap();
            }
            for old in 1..=size {
                let proof = tree.consistency_proof(old, size).unwrap();
                assert_eq!(
                    Some(proof.clone()),
                    consistency_proof(&all[..=n], old as usize)
                );
                verify_consistency(old, size, &tree.root_at(old), &tree.root(), &proof).unwrap();
            }
        }
        assert_eq!(tree.inclusion_proof(70, 70), None);
        assert_eq!(tree.consistency_proof(3, 71), None);
    }

    #[test]
    fn tiles_hold_the_subtree_hashes_of_their_level() {
        let all = leaves(256 * 256 + 300);
        let mut tree = Tree::new();
        for leaf in &all {
            tree.push(*leaf);
        }
        for tile in tiles_for_size(tree.size()) {
            let hashes = tree.tile_hashes(&tile);
            assert_eq!(hashes.len() as u64, tile.width, "{}", tile.path());
            let span = 1usize << (8 * tile.level);
            for (i, hash) in hashes.iter().enumerate() {
                let first = (tile.index as usize * 256 + i) * span;
                assert_eq!(*hash, root(&all[first..first + span]), "{}", tile.path());
            }
        }
    }
}
