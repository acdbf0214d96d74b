//! Work spread over the machine's cores with scoped threads: used where an export does the
//! same pure work for every one of many notes or rows.

/// `f` over every item, on all cores (at most 8 threads), results in the items' order. For
/// many small items: fewer than 256 run on the calling thread.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    spread(items, f, 256)
}

/// `f` over every item, each big item on a core of its own where there are enough.
pub fn map_each<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    spread(items, f, 2)
}

fn spread<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync, min_items: usize) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if threads == 1 || items.len() < min_items {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        // The calling thread takes the first part itself.
        let mut parts = items.chunks(chunk);
        let first = parts.next().unwrap_or_default();
        let workers: Vec<_> = parts
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        out.extend(first.iter().map(f));
        for worker in workers {
            match worker.join() {
                Ok(part) => out.extend(part),
                // A worker's panic is the caller's panic, as if the work had run inline.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_for_small_and_large_inputs() {
        for n in [0, 1, 2, 3, 255, 256, 1000, 10_007] {
            let items: Vec<u64> = (0..n).collect();
            let expected: Vec<u64> = items.iter().map(|x| x * 2).collect();
            assert_eq!(map(&items, |x| x * 2), expected);
            assert_eq!(map_each(&items, |x| x * 2), expected);
        }
    }
}
