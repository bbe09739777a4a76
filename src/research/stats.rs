//! The few statistics the trial's pages show: a mean with its 95% confidence interval from the
//! t-distribution, and the difference of two means with Welch's interval. Plain `f64`, no
//! dependency: the t quantile is found by bisection on the regularised incomplete beta.

/// A mean (or a difference of means) with its 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// The mean of `xs` with a 95% interval (t with n - 1 degrees of freedom); `None` for fewer
/// than two values.
pub fn mean_ci(xs: &[f64]) -> Option<Estimate> {
    let n = xs.len();
    if n < 2 {
        return None;
    }
    let (mean, var) = mean_var(xs);
    let half = t_quantile(0.975, (n - 1) as f64) * (var / n as f64).sqrt();
    Some(Estimate {
        value: mean,
        low: mean - half,
        high: mean + half,
    })
}

/// Mean of `a` minus mean of `b` with Welch's 95% interval (unequal variances,
/// Welch-Satterthwaite degrees of freedom); `None` when either has fewer than two values.
pub fn welch(a: &[f64], b: &[f64]) -> Option<Estimate> {
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    let (ma, va) = mean_var(a);
    let (mb, vb) = mean_var(b);
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (sa, sb) = (va / na, vb / nb);
    let se = (sa + sb).sqrt();
    let half = if se > 0.0 {
        let df = (sa + sb).powi(2) / (sa * sa / (na - 1.0) + sb * sb / (nb - 1.0));
        t_quantile(0.975, df) * se
    } else {
        0.0
    };
    let value = ma - mb;
    Some(Estimate {
        value,
        low: value - half,
        high: value + half,
    })
}

/// Mean and sample variance (n - 1).
fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

/// The `p` quantile (p > 0.5) of Student's t with `df` degrees of freedom.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    let (mut low, mut high) = (0.0_f64, 1.0e4_f64);
    for _ in 0..200 {
        let mid = 0.5 * (low + high);
        if t_cdf(mid, df) < p {
            low = mid;
        } else {
            high = mid;
        }
    }
    0.5 * (low + high)
}

/// P(T <= t) for t >= 0.
fn t_cdf(t: f64, df: f64) -> f64 {
    1.0 - 0.5 * incomplete_beta(df / (df + t * t), df / 2.0, 0.5)
}

/// The regularised incomplete beta I_x(a, b) (continued fraction, modified Lentz).
fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_fraction(1.0 - x, b, a) / b
    }
}

fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..500 {
        let m = f64::from(m);
        let even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        for coefficient in [
            even,
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + coefficient * d;
            if d.abs() < TINY {
                d = TINY;
            }
            c = 1.0 + coefficient / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let sum = G[1..]
        .iter()
        .enumerate()
        .fold(G[0], |s, (i, g)| s + g / (x + i as f64 + 1.0));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_t_quantiles_are_those_of_the_tables() {
        for (df, q) in [
            (1.0, 12.706),
            (4.0, 2.776),
            (9.0, 2.262),
            (30.0, 2.042),
            (1.0e6, 1.960),
        ] {
            assert!((t_quantile(0.975, df) - q).abs() < 0.0006, "df {df}");
        }
    }

    #[test]
    fn a_mean_and_welchs_difference_have_the_textbook_intervals() {
        let e = mean_ci(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert!((e.value - 3.0).abs() < 1e-12);
        assert!((e.high - 3.0 - 2.776_445 * (2.5_f64 / 5.0).sqrt()).abs() < 1e-5);
        let d = welch(&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.0, 4.0, 6.0, 8.0, 10.0, 12.0]).unwrap();
        assert!((d.value + 4.0).abs() < 1e-12);
        // se = sqrt(2.5/5 + 14/6), df = 6.97: t = 2.3666.
        assert!((d.high + 4.0 - 2.3666 * (0.5_f64 + 14.0 / 6.0).sqrt()).abs() < 0.002);
        assert!(mean_ci(&[1.0]).is_none());
    }
}
