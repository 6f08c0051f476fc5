//! Running one phase of a step over every shard: on the pool when there is enough work to be
//! worth waking it, on the calling thread otherwise. The result is the same either way.

use rayon::prelude::*;
use rayon::ThreadPool;

/// Events or messages in a phase below which the shards run on the calling thread.
const PARALLEL_MIN: usize = 1024;

/// Run `work` on every item of `shards`, in parallel on `pool` when `load` is large enough.
pub(crate) fn each<S, F>(pool: Option<&ThreadPool>, shards: &mut [S], load: usize, work: F)
where
    S: Send,
    F: Fn(&mut S) + Send + Sync,
{
    match pool {
        Some(pool) if load >= PARALLEL_MIN => {
            pool.install(|| shards.par_iter_mut().for_each(work));
        }
        _ => shards.iter_mut().for_each(work),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(threads: usize, load: usize) {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut items: Vec<u64> = (0..16).collect();
        each(Some(&pool), &mut items, load, |x| *x *= 3);
        assert_eq!(items, (0..16).map(|x| x * 3).collect::<Vec<_>>());
    }

    #[test]
    fn every_item_is_worked_on_the_pool_or_not() {
        for (threads, load) in [(1, 0), (2, 0), (2, PARALLEL_MIN), (7, 10_000)] {
            check(threads, load);
        }
    }
}
