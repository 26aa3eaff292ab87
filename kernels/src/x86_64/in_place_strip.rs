//! What a strip entry of an in-place kernel (several sub-tiles of one
//! weight panel in one call) needs of its output: the epilogue argument of
//! the sub-tile that starts `r` rows further down.

use crate::scalar::igemm_tile_store::{TileDequant, TileRequant, TileRequantFixed};

/// An epilogue argument that moves down to a later sub-tile.
pub(crate) trait SubTileEp {
    /// The same epilogue for the rows from `r` on.
    fn down(&self, r: usize) -> Self;
}

impl SubTileEp for () {
    #[inline(always)]
    fn down(&self, _r: usize) {}
}

impl SubTileEp for TileRequant {
    #[inline(always)]
    fn down(&self, r: usize) -> Self {
        TileRequant::from_row(self, r)
    }
}

impl SubTileEp for TileRequantFixed {
    #[inline(always)]
    fn down(&self, r: usize) -> Self {
        TileRequantFixed::from_row(self, r)
    }
}

impl SubTileEp for TileDequant {
    #[inline(always)]
    fn down(&self, r: usize) -> Self {
        TileDequant::from_row(self, r)
    }
}
