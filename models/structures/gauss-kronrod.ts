/**
 * The Gauss–Kronrod 7/15 rule (QUADPACK qk15) on one interval: the 15-point Kronrod estimate and the
 * embedded 7-point Gauss estimate, whose difference is the (pessimistic) error estimate the adaptive
 * integrators of pd.ts and turnover-loss.ts hold to their tolerance; adaptiveGaussKronrod15, the plain adaptive
 * integrator both use where no nesting is needed.
 */

// abscissae on [-1, 1], outermost first; index 7 is the centre
const XGK = [
  0.991455371120812639206854697526329, 0.949107912342758524526189684047851, 0.864864423359769072789712788640926,
  0.741531185599394439863864773280788, 0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
  0.207784955007898467600689403773245, 0,
];
const WGK = [
  0.02293532201052922496373200805897, 0.063092092629978553290700663189204, 0.104790010322250183839876322541518,
  0.140653259715525918745189590510238, 0.16900472663926790282658342659855, 0.190350578064785409913256402421014,
  0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
];
// Gauss 7-point weights for the odd Kronrod abscissae 1, 3, 5 and the centre
const WG = [0.129484966168869693270611432679082, 0.27970539148927666790146777142378, 0.381830050505118944950369775488975, 0.417959183673469387755102040816327];

/** [Kronrod 15-point, Gauss 7-point] estimates of int_a^b f. */
export function gaussKronrod15(f: (x: number) => number, a: number, b: number): [number, number] {
  const half = (b - a) / 2;
  const mid = a + half;
  const fc = f(mid);
  let kronrod = WGK[7]! * fc;
  let gauss = WG[3]! * fc;
  for (let j = 0; j < 7; j += 1) {
    const dx = half * XGK[j]!;
    const pair = f(mid - dx) + f(mid + dx);
    kronrod += WGK[j]! * pair;
    if (j % 2 === 1) gauss += WG[(j - 1) / 2]! * pair;
  }
  return [kronrod * half, gauss * half];
}

/** The 15 Kronrod abscissae ascending on [-1, 1], with their Kronrod and Gauss (0 off the Gauss nodes) weights. */
const NODES = [...XGK.slice(0, 7).map((x) => -x), 0, ...XGK.slice(0, 7).reverse()];
const NODE_WK = [...WGK.slice(0, 7), WGK[7]!, ...WGK.slice(0, 7).reverse()];
const NODE_WG = NODES.map((_, i) => {
  const j = i < 7 ? i : 14 - i; // outermost first
  return j === 7 ? WG[3]! : j % 2 === 1 ? WG[(j - 1) / 2]! : 0;
});

/** l_i(x): the Lagrange basis polynomial of node i through the 15 nodes. */
const lagrange = (i: number, x: number): number => NODES.reduce((p, xm, m) => (m === i ? p : (p * (x - xm)) / ((NODES[i] ?? NaN) - xm)), 1);

/**
 * TAILS[j][i] = int_{x_j}^1 l_i(x) dx: the integral from node j to the end of the degree-14 interpolant
 * through the 15 nodes, computed exactly by the Kronrod rule on [x_j, 1] (exact to degree 22).
 */
const TAILS: readonly (readonly number[])[] = NODES.map((xj) => NODES.map((_, i) => {
  const half = (1 - xj) / 2;
  const mid = xj + half;
  return half * NODES.reduce((s, x, q) => s + (NODE_WK[q] ?? 0) * lagrange(i, mid + half * x), 0);
}));

/**
 * GK15 on [a, b] that also returns, at each of its 15 nodes u_j (ascending), int_{u_j}^b f: the
 * integral of the interpolant through the same 15 values (spectrally accurate wherever the rule's error
 * estimate is small), so a nested integral costs no further evaluations of f.
 */
export function gaussKronrod15WithTails(f: (x: number) => number, a: number, b: number): { kronrod: number; gauss: number; tails: number[] } {
  const half = (b - a) / 2;
  const mid = a + half;
  const values = NODES.map((x) => f(mid + half * x));
  const [kronrod, gauss] = gaussKronrod15OfValues(values, a, b);
  const tails = TAILS.map((row) => half * row.reduce((s, c, i) => s + c * (values[i] ?? NaN), 0));
  return { kronrod, gauss, tails };
}

/** [Kronrod, Gauss] estimates of int_a^b from values at the 15 ascending nodes of gaussKronrod15WithTails. */
export function gaussKronrod15OfValues(values: readonly number[], a: number, b: number): [number, number] {
  const half = (b - a) / 2;
  let kronrod = 0;
  let gauss = 0;
  values.forEach((v, q) => {
    kronrod += (NODE_WK[q] ?? 0) * v;
    gauss += (NODE_WG[q] ?? 0) * v;
  });
  return [kronrod * half, gauss * half];
}

/**
 * int_a^b f by adaptive GK15: a subinterval's K15 is kept when `good(kronrod, gauss, a, b)` says so (or
 * at depth 60), else it is halved. Written for `good` of the form !(err > tol), so that NaN ends the
 * recursion and shows in the result. Subintervals are summed right to left.
 */
export function adaptiveGaussKronrod15(f: (x: number) => number, a0: number, b0: number, good: (kronrod: number, gauss: number, a: number, b: number) => boolean): number {
  let total = 0;
  const stack: [number, number, number][] = [[a0, b0, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [a, b, depth] = item;
    const [kronrod, gauss] = gaussKronrod15(f, a, b);
    if (good(kronrod, gauss, a, b) || depth >= ADAPTIVE_MAX_DEPTH) total += kronrod;
    else {
      const mid = a + (b - a) / 2;
      stack.push([a, mid, depth + 1], [mid, b, depth + 1]);
    }
  }
  return total;
}

/** Halvings at most, in every adaptive GK15 loop of the structures (2^-60 of the interval: far below any tolerance). */
export const ADAPTIVE_MAX_DEPTH = 60;
