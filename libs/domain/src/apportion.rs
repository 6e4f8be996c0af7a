//! [`apportion`] splits an integer total (fen, quota places) among weights exactly, by the
//! largest-remainder method.

/// Why a total could not be apportioned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApportionError {
    /// The total is below zero.
    #[error("the total to apportion must not be negative")]
    NegativeTotal,
    /// There are no weights to apportion among.
    #[error("there must be at least one weight to apportion among")]
    NoWeights,
    /// Every weight is zero, so no share is defined.
    #[error("at least one weight must be positive")]
    ZeroWeights,
    /// An intermediate value does not fit the arithmetic.
    #[error("the apportionment overflows")]
    Overflow,
}

/// Splits `total` among `weights` by the largest-remainder (Hamilton) method.
///
/// Each part is first the floor of its exact share `total × weight / Σ weights`; the units left
/// over go one each to the parts with the largest remainders, the lower index first among equal
/// remainders. The parts therefore sum to `total` exactly, each is the floor or the ceiling of its
/// share, a zero weight gets 0, and a larger weight never gets less than a smaller one.
pub fn apportion(total: i64, weights: &[u64]) -> Result<Vec<i64>, ApportionError> {
    let total = u128::try_from(total).map_err(|_| ApportionError::NegativeTotal)?;
    if weights.is_empty() {
        return Err(ApportionError::NoWeights);
    }
    let sum = weights
        .iter()
        .try_fold(0u128, |acc, &weight| acc.checked_add(u128::from(weight)))
        .ok_or(ApportionError::Overflow)?;
    if sum == 0 {
        return Err(ApportionError::ZeroWeights);
    }
    let mut parts = Vec::with_capacity(weights.len());
    // (remainder of the exact share, index), to rank who receives the leftover units.
    let mut remainders = Vec::with_capacity(weights.len());
    let mut assigned = 0u128;
    for (index, &weight) in weights.iter().enumerate() {
        let scaled = total.checked_mul(u128::from(weight)).ok_or(ApportionError::Overflow)?;
        let floor = scaled / sum;
        assigned = assigned.checked_add(floor).ok_or(ApportionError::Overflow)?;
        parts.push(floor);
        remainders.push((scaled % sum, index));
    }
    // Each remainder is below `sum`, so fewer units are left over than there are non-zero
    // remainders: a part whose share is already whole never receives one.
    let leftover = usize::try_from(total - assigned).map_err(|_| ApportionError::Overflow)?;
    remainders.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, index) in &remainders[..leftover] {
        parts[index] += 1;
    }
    parts.into_iter().map(|part| i64::try_from(part).map_err(|_| ApportionError::Overflow)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    // --- apportion ---------------------------------------------------------------------------

    #[test]
    fn apportion_gives_leftover_units_to_the_largest_remainders() {
        // Shares 3.5, 2.1, 1.4 → floors 3, 2, 1 and one unit left for the 0.5 remainder.
        assert_eq!(apportion(7, &[50, 30, 20]), Ok(vec![4, 2, 1]));
        // Shares 3.33.. each: one unit left, which goes to the lowest index.
        assert_eq!(apportion(10, &[1, 1, 1]), Ok(vec![4, 3, 3]));
        assert_eq!(apportion(11, &[1, 1, 1]), Ok(vec![4, 4, 3]));
    }

    #[test]
    fn apportion_breaks_ties_by_lower_index_whatever_the_order_of_weights() {
        assert_eq!(apportion(1, &[2, 1, 2]), Ok(vec![1, 0, 0]));
        assert_eq!(apportion(1, &[1, 2, 2]), Ok(vec![0, 1, 0]));
    }

    #[test]
    fn apportion_gives_zero_weights_nothing() {
        assert_eq!(apportion(5, &[0, 3, 0, 2]), Ok(vec![0, 3, 0, 2]));
        assert_eq!(apportion(1, &[0, 1]), Ok(vec![0, 1]));
        assert_eq!(apportion(0, &[4, 5]), Ok(vec![0, 0]));
    }

    #[test]
    fn apportion_handles_large_totals_and_weights() {
        let total = 1_000_000_000_000_000; // 10^15 fen
        let weights = [1_000_000_000_000, 999_999_999_999, 1, 333_333_333_333];
        let parts = apportion(total, &weights).unwrap();
        assert_eq!(parts.iter().sum::<i64>(), total);
        assert_eq!(apportion(i64::MAX, &[u64::MAX, u64::MAX]), Ok(vec![i64::MAX / 2 + 1, i64::MAX / 2]));
    }

    #[test]
    fn apportion_rejects_what_it_cannot_split() {
        assert_eq!(apportion(-1, &[1]), Err(ApportionError::NegativeTotal));
        assert_eq!(apportion(5, &[]), Err(ApportionError::NoWeights));
        assert_eq!(apportion(5, &[0, 0]), Err(ApportionError::ZeroWeights));
    }

    proptest! {
        #[test]
        fn apportion_is_exact_and_within_one_of_each_share(
            total in 0i64..=1_000_000_000_000_000,
            weights in prop::collection::vec(0u64..=1_000_000_000_000, 1..40),
        ) {
            prop_assume!(weights.iter().any(|w| *w > 0));
            let parts = apportion(total, &weights).unwrap();
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(parts.iter().sum::<i64>(), total);
            let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
            for (part, weight) in parts.iter().zip(&weights) {
                // |part − total·w/sum| < 1, i.e. the part is the floor or the ceiling of its share.
                let gap = i128::from(*part) * sum - i128::from(total) * i128::from(*weight);
                prop_assert!(gap.abs() < sum, "part {part} for weight {weight}");
                if *weight == 0 {
                    prop_assert_eq!(*part, 0);
                }
            }
        }

        #[test]
        fn apportion_is_monotone_in_weight(
            total in 0i64..=1_000_000_000,
            weights in prop::collection::vec(0u64..=1_000, 1..30),
        ) {
            prop_assume!(weights.iter().any(|w| *w > 0));
            let parts = apportion(total, &weights).unwrap();
            for i in 0..weights.len() {
                for j in 0..weights.len() {
                    if weights[i] > weights[j] {
                        prop_assert!(parts[i] >= parts[j]);
                    }
                    if weights[i] == weights[j] {
                        prop_assert!((parts[i] - parts[j]).abs() <= 1);
                    }
                }
            }
        }

        #[test]
        fn apportion_with_equal_weights_differs_by_at_most_one(
            total in 0i64..=1_000_000_000_000_000,
            weight in 1u64..=1_000_000_000_000,
            count in 1usize..50,
        ) {
            let parts = apportion(total, &vec![weight; count]).unwrap();
            let (min, max) = (parts.iter().min().unwrap(), parts.iter().max().unwrap());
            prop_assert!(max - min <= 1);
            // The extra units go to the lowest indices.
            prop_assert!(parts.windows(2).all(|w| w[0] >= w[1]));
        }
    }
}
