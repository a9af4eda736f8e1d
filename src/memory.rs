//! The process's allocator: mimalloc, with a budget that a stretch of code can be
//! held to ([`Budget::arm`]). The spreadsheet reader trusts the sizes a file
//! declares; under a budget, what a damaged file asks for beyond it fails (the
//! process stops with a message) instead of taking the machine's memory. An
//! operating-system limit on the data segment does not do this: mimalloc reserves
//! its arenas ahead (a gigabyte at a time), so memory taken from them is not new
//! data to the kernel.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::Relaxed};

use mimalloc::MiMalloc;

/// The global allocator of the `pishkhan` binary.
pub struct Budgeted;

static ARMED: AtomicBool = AtomicBool::new(false);
/// Bytes allocated less bytes freed since the budget was armed.
static USED: AtomicIsize = AtomicIsize::new(0);
static LIMIT: AtomicIsize = AtomicIsize::new(isize::MAX);

/// Takes `bytes` from the budget, if one is armed; false when it is spent.
fn take(bytes: usize) -> bool {
    if !ARMED.load(Relaxed) {
        return true;
    }
    let bytes = bytes as isize;
    if USED.fetch_add(bytes, Relaxed) + bytes > LIMIT.load(Relaxed) {
        USED.fetch_sub(bytes, Relaxed);
        // No allocation here: this is the allocator.
        let _ = rustix::io::write(
            rustix::stdio::stderr(),
            b"pishkhan: error: reading the spreadsheet took more memory than it may (512 MB): the file is damaged or far larger than an applicant sheet / \xd8\xb5\xd9\x81\xd8\xad\xd9\x87\xe2\x80\x8c\xda\xaf\xd8\xb3\xd8\xaa\xd8\xb1\xd8\xaf\xd9\x87 \xd8\xae\xd9\x88\xd8\xa7\xd9\x86\xd8\xaf\xd9\x87 \xd9\x86\xd8\xb4\xd8\xaf\n",
        );
        return false;
    }
    true
}

fn give(bytes: usize) {
    if ARMED.load(Relaxed) {
        USED.fetch_sub(bytes as isize, Relaxed);
    }
}

unsafe impl GlobalAlloc for Budgeted {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !take(layout.size()) {
            return std::ptr::null_mut();
        }
        unsafe { MiMalloc.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !take(layout.size()) {
            return std::ptr::null_mut();
        }
        unsafe { MiMalloc.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        give(layout.size());
        unsafe { MiMalloc.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = layout.size();
        if new_size > old && !take(new_size - old) {
            return std::ptr::null_mut();
        }
        let p = unsafe { MiMalloc.realloc(ptr, layout, new_size) };
        if p.is_null() {
            give(new_size.saturating_sub(old));
        } else if new_size < old {
            give(old - new_size);
        }
        p
    }
}

/// A budget in force until dropped. Only one at a time; meant for code that runs
/// before other threads start (reading the sheets), since every thread's
/// allocations count against it. Where the binary's allocator is not [`Budgeted`]
/// (the library's own tests), it limits nothing.
pub struct Budget(());

impl Budget {
    pub fn arm(bytes: usize) -> Budget {
        USED.store(0, Relaxed);
        LIMIT.store(bytes.min(isize::MAX as usize) as isize, Relaxed);
        ARMED.store(true, Relaxed);
        Budget(())
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        ARMED.store(false, Relaxed);
        LIMIT.store(isize::MAX, Relaxed);
    }
}
