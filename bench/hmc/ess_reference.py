"""Reference ESS for tests/unit/hmc-diagnostics.test.ts: the `posterior` R package's ess_basic
(Vehtari et al. 2021; Geyer's initial monotone sequence with the antithetic improvement) in NumPy,
on the test's fixed chains. Run: python3 bench/hmc/ess_reference.py"""
import numpy as np


def ess_basic(x):
    x = np.asarray(x, float)
    m, n = x.shape
    acov = np.array([[np.sum((c - c.mean())[: n - l] * (c - c.mean())[l:]) / n for l in range(n)] for c in x]).T
    mean_var = np.mean(acov[0] * n / (n - 1))
    var_plus = mean_var * (n - 1) / n + (np.var(x.mean(1), ddof=1) if m > 1 else 0)
    rho = np.zeros(n)
    t, even = 0, 1.0
    rho[0] = 1
    odd = 1 - (mean_var - acov[1].mean()) / var_plus
    rho[1] = odd
    while t < n - 5 and even + odd > 0:
        t += 2
        even = 1 - (mean_var - acov[t].mean()) / var_plus
        odd = 1 - (mean_var - acov[t + 1].mean()) / var_plus
        if even + odd >= 0:
            rho[t], rho[t + 1] = even, odd
    mt = t
    if even > 0:
        rho[mt] = even
    t = 0
    while t <= mt - 4:
        t += 2
        if rho[t] + rho[t + 1] > rho[t - 2] + rho[t - 1]:
            rho[t] = rho[t + 1] = (rho[t - 2] + rho[t - 1]) / 2
    tau = max(-1 + 2 * rho[:mt].sum() + rho[mt], 1 / np.log10(m * n))
    return m * n / tau


a = [[0.1, 0.5, 0.3, 0.9, 1.2, 0.8, 0.4, 0.6, 1.0, 0.7, 0.2, 0.5], [0.3, 0.2, 0.6, 0.4, 0.9, 1.1, 0.8, 0.5, 0.3, 0.6, 0.7, 0.4]]
b = [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11]]
print(repr(ess_basic(a)), repr(ess_basic(b)))
