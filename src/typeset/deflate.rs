//! Stream compression, shared by pages, fonts and object streams.

use std::cell::RefCell;

/// zlib-compresses a stream with libdeflate at its fastest level, its compressor
/// reused per thread. Measured on receipts (BENCHMARKS.md): a quarter faster than
/// zlib-rs at level 2, for slightly smaller files.
pub(super) fn deflate(data: &[u8]) -> Vec<u8> {
    use libdeflater::{CompressionLvl, Compressor};
    thread_local! {
        // Level 1: level 0 (also "fastest" in libdeflater) stores, uncompressed. The
        // scratch buffer has room for the worst case; the result is copied out at its
        // own size, as a combined PDF keeps every page.
        static COMPRESS: RefCell<(Compressor, Vec<u8>)> = RefCell::new((
            Compressor::new(CompressionLvl::new(1).expect("a valid level")),
            Vec::new(),
        ));
    }
    COMPRESS.with(|c| {
        let (c, scratch) = &mut *c.borrow_mut();
        let bound = c.zlib_compress_bound(data.len());
        if scratch.len() < bound {
            scratch.resize(bound, 0);
        }
        let n = c.zlib_compress(data, scratch).expect("the bound fits");
        scratch[..n].to_vec()
    })
}
