//! Random allocation of a batch's new people to intervention or control, for the effect study.
//!
//! Permuted blocks within each call centre (stratified by centre), people in CPR order within a
//! centre, and a seeded generator written out here (SplitMix64) rather than a library's, so the
//! same seed gives the same allocation in every version of coachline. The seed and ratio are
//! stored with the batch; a trigger keeps both, and each person's arm, from changing.

use sqlx::PgConnection;

/// Intervention : control.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ratio {
    OneToOne,
    TwoToOne,
}

impl Ratio {
    pub const ALL: [Ratio; 2] = [Ratio::OneToOne, Ratio::TwoToOne];

    /// `1:1` or `2:1`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Ratio::OneToOne => "1:1",
            Ratio::TwoToOne => "2:1",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text.trim())
    }

    /// (intervention, control) per block of allocation.
    fn parts(self) -> (usize, usize) {
        match self {
            Ratio::OneToOne => (1, 1),
            Ratio::TwoToOne => (2, 1),
        }
    }
}

/// How a batch is randomised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Randomisation {
    pub ratio: Ratio,
    pub seed: i64,
}

pub use crate::domain::Arm;

/// SplitMix64: small, well-known, and fixed forever by this code.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (n is tiny, so the modulo bias is negligible).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The arms of `n` people of one centre, in order: shuffled blocks of twice the ratio's parts
/// (4 for 1:1, 6 for 2:1), so the ratio holds closely at any point of the list.
pub fn allocate(r: Randomisation, centre_id: i64, n: usize) -> Vec<Arm> {
    let (a, b) = r.ratio.parts();
    let mut rng = SplitMix64((r.seed as u64) ^ (centre_id as u64).wrapping_mul(0xA24B_AED4_963E_E407));
    let mut arms = Vec::with_capacity(n + 2 * (a + b));
    while arms.len() < n {
        let mut block: Vec<Arm> = std::iter::repeat_n(Arm::Intervention, 2 * a)
            .chain(std::iter::repeat_n(Arm::Control, 2 * b))
            .collect();
        for i in (1..block.len()).rev() {
            block.swap(i, rng.below(i + 1));
        }
        arms.extend(block);
    }
    arms.truncate(n);
    arms
}

/// A fresh seed for when the admin gives none.
pub fn new_seed() -> i64 {
    // Positive and short enough to read out and type again.
    (rand::random::<u32>() as i64) % 1_000_000_000
}

/// Allocates the people batch `batch_id` brought in (within the import's transaction).
pub async fn allocate_batch(
    tx: &mut PgConnection,
    batch_id: i64,
    r: Randomisation,
) -> Result<(), sqlx::Error> {
    let people = sqlx::query!(
        "select id, centre_id from patients where batch_id = $1 and arm is null order by centre_id, cpr",
        batch_id
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut ids = Vec::with_capacity(people.len());
    let mut arms = Vec::with_capacity(people.len());
    for centre in people.chunk_by(|a, b| a.centre_id == b.centre_id) {
        let allocation = allocate(r, centre[0].centre_id, centre.len());
        for (person, arm) in centre.iter().zip(allocation) {
            ids.push(person.id);
            arms.push(arm.as_str().to_owned());
        }
    }
    crate::patients::allocate_arms(tx, &ids, &arms).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(arms: &[Arm], arm: Arm) -> usize {
        arms.iter().filter(|a| **a == arm).count()
    }

    #[test]
    fn the_same_seed_gives_the_same_allocation_and_another_seed_another() {
        let r = Randomisation {
            ratio: Ratio::OneToOne,
            seed: 42,
        };
        assert_eq!(allocate(r, 1, 100), allocate(r, 1, 100));
        assert_ne!(
            allocate(r, 1, 100),
            allocate(Randomisation { seed: 43, ..r }, 1, 100)
        );
        // Each centre is its own stratum.
        assert_ne!(allocate(r, 1, 100), allocate(r, 2, 100));
    }

    #[test]
    fn the_ratio_holds_within_every_block() {
        for (ratio, block, control) in [(Ratio::OneToOne, 4, 2), (Ratio::TwoToOne, 6, 2)] {
            let arms = allocate(Randomisation { ratio, seed: 7 }, 3, 600);
            for chunk in arms.chunks(block) {
                assert_eq!(count(chunk, Arm::Control), control, "{ratio:?}");
            }
            assert_eq!(count(&arms, Arm::Control), 600 / block * control);
        }
    }

    #[test]
    fn the_generator_is_fixed_by_this_code() {
        // A change here would change every allocation ever made with a recorded seed.
        let r = Randomisation {
            ratio: Ratio::TwoToOne,
            seed: 20261123,
        };
        let letters: String = allocate(r, 1, 12)
            .iter()
            .map(|a| if *a == Arm::Control { 'C' } else { 'I' })
            .collect();
        assert_eq!(letters, "CIIIICCIICII");
        let mut g = SplitMix64(0);
        assert_eq!(g.next(), 0xE220_A839_7B1D_CDAF);
    }
}
