"""Scenario discovery on a stored experiment: in which region of the inputs does a condition
on an outcome hold? PRIM (Friedman & Fisher 1999) and a CART tree (Breiman et al. 1984),
as in EMA Workbench's ``analysis.prim`` and ``analysis.cart``, read straight from the store.

- **Replications.** Replicates of one setting share its inputs, so they are one point: each
  setting carries the *share* of its runs in which the condition held, weighted by its number
  of runs. Box statistics count runs (coverage: share of all runs meeting the condition that
  fall in the box; density: share of the box's runs that meet it; mass: share of runs in the
  box) and say how many distinct settings lie inside.
- **Categorical factors** (a membership rule, the base scenario, the policy) are peeled one
  category at a time by PRIM and split into two groups of categories by CART (categories
  ordered by their share, the optimal two-class split under the Gini index).
- **Peeling.** Each step removes the slice (``peel_alpha`` of the box's runs at one end of a
  numeric dimension, or one category) with the largest gain in density per share of runs
  removed: the original objective of Friedman & Fisher.
- **Choosing the box.** PRIM peels a trajectory of nested boxes. The box reported is the one
  with the highest F1 score (harmonic mean of coverage and density) unless ``min_density``
  is given, then the highest-coverage box at least that dense. No pasting step.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.batch.analysis import Experiment

OPS = {"<=": operator.le, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
       "<": operator.lt, ">": operator.gt}


# --- the condition ------------------------------------------------------------------------------

def condition(exp: Experiment, text: str) -> tuple[str, np.ndarray]:
    """Evaluate 'OUTPUT OP VALUE', 'OUTPUT' (a yes/no output) or 'not OUTPUT' per stored run."""
    from sim.batch.spec import SpecError

    res = exp.results
    raw = text.strip()
    negate = raw.startswith("not ")
    body = raw[4:].strip() if negate else raw
    m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|!=|<|>)\s*(.+)", body)
    name = m.group(1) if m else body
    if name not in exp.outputs:
        raise SpecError(f"{exp.store.root}: --where {text}: '{name}' is not an output stored "
                        f"by this experiment ({', '.join(exp.outputs)})")
    column = res[name]
    if m is None:
        if not pd.api.types.is_bool_dtype(column):
            raise SpecError(f"{exp.store.root}: --where {text}: '{name}' is not yes/no; say "
                            f"e.g. '{name} > 0.5'")
        flags = column.to_numpy(dtype=bool)
    else:
        value_text = m.group(3).strip().strip("'\"")
        try:
            value = float(value_text) if pd.api.types.is_numeric_dtype(column) else value_text
        except ValueError:
            raise SpecError(f"{exp.store.root}: --where {text}: '{value_text}' is not a "
                            f"number") from None
        flags = OPS[m.group(2)](column.to_numpy(), value).astype(bool)
    return raw, ~flags if negate else flags


def by_setting(exp: Experiment, flags: np.ndarray) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """(inputs per setting, share of its runs meeting the condition, its number of runs)."""
    res = exp.results.assign(_hit=flags.astype(float))
    g = res.groupby("design_row")
    x = exp.design.set_index("design_row").loc[g.size().index, exp.columns]
    return x.reset_index(drop=True), g["_hit"].mean().to_numpy(), g.size().to_numpy(float)


def _is_categorical(col: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)


# --- PRIM ---------------------------------------------------------------------------------------

@dataclass
class Box:
    limits: dict[str, object]      # numeric: (low, high); categorical: sorted list of values
    coverage: float
    density: float
    mass: float
    settings: int
    runs: float

    @property
    def f1(self) -> float:
        c, d = self.coverage, self.density
        return 2 * c * d / (c + d) if c + d > 0 else 0.0

    def restricted(self, x: pd.DataFrame) -> dict[str, object]:
        """Only the limits that were peeled (narrower than the data's own range)."""
        out = {}
        for k, lim in self.limits.items():
            if isinstance(lim, tuple):
                if lim[0] > x[k].min() or lim[1] < x[k].max():
                    out[k] = lim
            elif len(lim) < x[k].nunique():
                out[k] = lim
        return out


@dataclass
class Prim:
    x: pd.DataFrame
    y: np.ndarray                   # share (0-1) of each point's runs meeting the condition
    weight: np.ndarray | None = None
    peel_alpha: float = 0.05
    mass_min: float = 0.05
    trajectory: list[Box] = field(default_factory=list)

    def __post_init__(self):
        self.x = self.x.reset_index(drop=True)
        self.y = np.asarray(self.y, dtype=float)
        self.w = np.ones(len(self.y)) if self.weight is None else np.asarray(self.weight, float)
        self._total_w = self.w.sum()
        self._total_hit = (self.w * self.y).sum()

    def _initial_limits(self) -> dict[str, object]:
        return {k: sorted(self.x[k].unique().tolist(), key=str) if _is_categorical(self.x[k])
                else (self.x[k].min(), self.x[k].max()) for k in self.x.columns}

    def _box(self, mask: np.ndarray, limits: dict[str, object]) -> Box:
        w, hit = self.w[mask].sum(), (self.w * self.y)[mask].sum()
        return Box(dict(limits), hit / self._total_hit if self._total_hit else 0.0,
                   hit / w if w else 0.0, w / self._total_w, int(mask.sum()), float(w))

    def _candidates(self, mask: np.ndarray, limits: dict[str, object]):
        """(new mask, dimension, its new limit) for every possible peel of the box."""
        for k in self.x.columns:
            col = self.x[k]
            inside = col[mask]
            if _is_categorical(col):
                cats = inside.unique()
                if len(cats) > 1:
                    for c in cats:
                        yield (mask & (col != c).to_numpy(), k,
                               [v for v in limits[k] if v != c])
                continue
            values = inside.to_numpy(dtype=float)
            if np.unique(values).size < 2:
                continue
            w = self.w[mask]
            colv = col.to_numpy(dtype=float)
            for q, side in ((self.peel_alpha, "low"), (1 - self.peel_alpha, "high")):
                cut = _weighted_quantile(values, w, q)
                drop = colv < cut if side == "low" else colv > cut
                if not (drop & mask).any():  # a discrete level at the edge: peel it whole
                    edge = values.min() if side == "low" else values.max()
                    drop = colv == edge
                new = mask & ~drop
                if not new.any():
                    continue
                kept = colv[new]
                lim = (kept.min(), limits[k][1]) if side == "low" else (limits[k][0],
                                                                       kept.max())
                yield new, k, lim

    def find(self, min_density: float | None = None) -> Box:
        """Peel until the box would fall below ``mass_min``. Each step takes the peel with the
        largest gain in density per share of runs removed (Friedman & Fisher's original
        objective), so dropping a whole category, a large mass, must earn its keep."""
        mask = np.ones(len(self.y), dtype=bool)
        limits = self._initial_limits()
        self.trajectory = [self._box(mask, limits)]
        while True:
            w0 = self.w[mask].sum()
            mean0 = (self.w * self.y)[mask].sum() / w0
            best, best_key = None, None
            for cand, k, lim in self._candidates(mask, limits):
                w = self.w[cand].sum()
                if w / self._total_w < self.mass_min or cand.sum() == mask.sum():
                    continue
                mean = (self.w * self.y)[cand].sum() / w
                key = ((mean - mean0) / ((w0 - w) / self._total_w), w)
                if best_key is None or key > best_key:
                    best, best_key = (cand, k, lim), key
            if best is None:
                break
            mask, k, lim = best
            limits = {**limits, k: lim}
            self.trajectory.append(self._box(mask, limits))
        return self.choose(min_density)

    def choose(self, min_density: float | None = None) -> Box:
        if min_density is None:
            return max(self.trajectory, key=lambda b: (b.f1, b.coverage))
        dense = [b for b in self.trajectory if b.density >= min_density]
        if not dense:
            return max(self.trajectory, key=lambda b: b.density)
        return max(dense, key=lambda b: (b.coverage, b.density))


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = np.cumsum(w) / w.sum()
    return float(v[min(np.searchsorted(cum, q), len(v) - 1)])


# --- CART ---------------------------------------------------------------------------------------

@dataclass
class Node:
    share: float                    # weighted share meeting the condition
    runs: float
    settings: int
    feature: str | None = None
    threshold: float | None = None  # numeric: left is x <= threshold
    left_values: list | None = None  # categorical: left holds these values
    left: Node | None = None
    right: Node | None = None


def cart(x: pd.DataFrame, y: np.ndarray, weight: np.ndarray | None = None, depth: int = 3,
         min_leaf: float | None = None) -> Node:
    """A Gini classification tree on per-setting shares (fractional labels, run weights)."""
    x = x.reset_index(drop=True)
    y = np.asarray(y, float)
    w = np.ones(len(y)) if weight is None else np.asarray(weight, float)
    min_leaf = 0.05 * w.sum() if min_leaf is None else min_leaf
    return _grow(x, y, w, np.ones(len(y), bool), depth, min_leaf)


def _gini(w: float, hit: float) -> float:
    if w <= 0:
        return 0.0
    p = hit / w
    return w * 2 * p * (1 - p)


def _grow(x, y, w, mask, depth, min_leaf) -> Node:
    W, H = w[mask].sum(), (w * y)[mask].sum()
    node = Node(H / W if W else 0.0, float(W), int(mask.sum()))
    if depth == 0 or node.share in (0.0, 1.0):
        return node
    parent = _gini(W, H)
    best = None
    for k in x.columns:
        col = x[k]
        if _is_categorical(col):
            sub = pd.DataFrame({"c": col[mask].astype(str), "w": w[mask],
                                "h": (w * y)[mask]}).groupby("c").sum()
            if len(sub) < 2:
                continue
            sub = sub.assign(p=sub["h"] / sub["w"]).sort_values("p")
            cw, ch = sub["w"].cumsum().to_numpy(), sub["h"].cumsum().to_numpy()
            for i in range(len(sub) - 1):
                if cw[i] < min_leaf or W - cw[i] < min_leaf:
                    continue
                gain = parent - _gini(cw[i], ch[i]) - _gini(W - cw[i], H - ch[i])
                if best is None or gain > best[0] + 1e-12:
                    best = (gain, k, None, list(sub.index[: i + 1]))
            continue
        v = col.to_numpy(float)[mask]
        order = np.argsort(v, kind="stable")
        vs, ws, hs = v[order], w[mask][order], (w * y)[mask][order]
        cw, ch = np.cumsum(ws), np.cumsum(hs)
        for i in np.nonzero(np.diff(vs) > 0)[0]:
            if cw[i] < min_leaf or W - cw[i] < min_leaf:
                continue
            gain = parent - _gini(cw[i], ch[i]) - _gini(W - cw[i], H - ch[i])
            if best is None or gain > best[0] + 1e-12:
                best = (gain, k, (vs[i] + vs[i + 1]) / 2, None)
    if best is None or best[0] <= 1e-12:
        return node
    _, k, threshold, values = best
    if values is None:
        go_left = x[k].to_numpy(float) <= threshold
    else:
        go_left = x[k].astype(str).isin(values).to_numpy()
    node.feature, node.threshold, node.left_values = k, threshold, values
    node.left = _grow(x, y, w, mask & go_left, depth - 1, min_leaf)
    node.right = _grow(x, y, w, mask & ~go_left, depth - 1, min_leaf)
    return node


def leaves(node: Node, path: tuple = ()) -> list[tuple[tuple, Node]]:
    """Every leaf with the conditions leading to it: (feature, op, value) triples."""
    if node.feature is None:
        return [(path, node)]
    if node.threshold is not None:
        left, right = (node.feature, "<=", node.threshold), (node.feature, ">", node.threshold)
    else:
        left = (node.feature, "in", tuple(node.left_values))
        right = (node.feature, "not in", tuple(node.left_values))
    return leaves(node.left, (*path, left)) + leaves(node.right, (*path, right))


def tree_lines(node: Node, indent: str = "") -> list[str]:
    head = f"share {node.share:.2f} of {node.runs:.0f} runs ({node.settings} settings)"
    if node.feature is None:
        return [f"{indent}→ {head}"]
    if node.threshold is not None:
        left, right = f"{node.feature} ≤ {node.threshold:.4g}", \
            f"{node.feature} > {node.threshold:.4g}"
    else:
        vals = ", ".join(map(str, node.left_values))
        left, right = f"{node.feature} in {{{vals}}}", f"{node.feature} not in {{{vals}}}"
    return [f"{indent}{left}:", *tree_lines(node.left, indent + "    "),
            f"{indent}{right}:", *tree_lines(node.right, indent + "    ")]


# --- the command ---------------------------------------------------------------------------------

def box_lines(box: Box, x: pd.DataFrame) -> list[str]:
    lines = [f"coverage {box.coverage:.2f}, density {box.density:.2f}, mass {box.mass:.2f} "
             f"({box.settings} settings, {box.runs:.0f} runs)"]
    restricted = box.restricted(x)
    if not restricted:
        lines.append("    no restriction: the condition is spread over the whole input space")
    for k, lim in restricted.items():
        if isinstance(lim, tuple):
            lines.append(f"    {k}: {lim[0]:.4g} to {lim[1]:.4g} (of {x[k].min():.4g} to "
                         f"{x[k].max():.4g})")
        else:
            lines.append(f"    {k}: {', '.join(map(str, lim))}")
    return lines


def discover(path: str | Path, where: str, min_density: float | None = None,
             peel_alpha: float = 0.05, mass_min: float = 0.05, depth: int = 3,
             out: str | Path | None = None) -> tuple[list[str], Path]:
    from matplotlib.figure import Figure

    from sim.batch.spec import SpecError

    exp = Experiment.open(path)
    if not exp.columns:
        raise SpecError(f"{path}: nothing was varied, so there is no region to discover")
    text, flags = condition(exp, where)
    x, share, runs = by_setting(exp, flags)
    prim = Prim(x, share, runs, peel_alpha=peel_alpha, mass_min=mass_min)
    box = prim.find(min_density)
    tree = cart(x, share, runs, depth=depth)
    lines = [f"Where does `{text}` hold? {flags.sum()} of {len(flags)} runs "
             f"({100 * flags.mean():.0f} %), {len(x)} settings; inputs: "
             f"{', '.join(exp.columns)}.", "",
             "PRIM box" + (f" (the densest-enough box, density ≥ {min_density})" if min_density
                           else " (highest F1 of coverage and density on the peeling "
                                "trajectory)") + ":",
             *box_lines(box, x), "", f"CART tree (depth {depth}):", *tree_lines(tree)]
    folder = Path(out) if out else exp.store.root / "analysis"
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(6, 4.5), layout="constrained")
    ax = fig.add_subplot()
    cov = [b.coverage for b in prim.trajectory]
    den = [b.density for b in prim.trajectory]
    points = ax.scatter(cov, den, c=[len(b.restricted(x)) for b in prim.trajectory],
                        cmap="viridis")
    ax.scatter([box.coverage], [box.density], s=120, facecolors="none", edgecolors="red",
               label="box reported")
    fig.colorbar(points, ax=ax, label="restricted dimensions")
    ax.set(xlabel="coverage", ylabel="density", title=f"PRIM peeling trajectory: {text}")
    ax.legend(fontsize=8)
    fig.savefig(folder / "figures" / "prim_tradeoff.png", dpi=110)
    report = folder / "discover.md"
    report.write_text("# Scenario discovery\n\n```\n" + "\n".join(lines) + "\n```\n\n"
                      "![PRIM trajectory](figures/prim_tradeoff.png)\n")
    return lines, report
