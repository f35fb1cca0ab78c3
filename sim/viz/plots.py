"""Matplotlib figures of a run: the dashboard written by ``mutualsim run``."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sim.agents import LADDER  # noqa: E402
from sim.metrics import IDEAL_TYPE_LABELS  # noqa: E402

LADDER_COLOURS = ("#d9d9d9", "#9ecae1", "#4292c6", "#08519c", "#08306b")


def dashboard(ts: pd.DataFrame, summary: dict, path: str | Path) -> None:
    """Membership, the engagement ladder, ownership and the Figure 5.1 path, on one page."""
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), constrained_layout=True)
    months = ts["month"]
    title = summary["scenario"]["about"].get("title", summary["scenario"]["name"])
    fig.suptitle(f"{title} — seed {summary['seed']}", fontsize=13)

    ax = axes[0, 0]
    ax.plot(months, 100 * ts["staff_membership_rate"], label="staff members")
    if ts["user_membership_rate"].max() > 0:
        ax.plot(months, 100 * ts["user_membership_rate"], label="user members")
    ax.plot(months, 100 * ts["active_share"], label="active staff (rung ≥ 3)")
    ax.set(title="Membership and participation", xlabel="month", ylabel="% of people",
           ylim=(0, 100))
    ax.legend(loc="best")

    ax = axes[0, 1]
    shares = [100 * ts[f"staff_engagement_{k}"] for k in range(5)]
    ax.stackplot(months, shares, labels=[f"{k} {name}" for k, name in enumerate(LADDER)],
                 colors=LADDER_COLOURS)
    ax.set(title="Staff engagement ladder", xlabel="month", ylabel="% of staff", ylim=(0, 100))
    ax.legend(loc="lower left", fontsize=8)

    ax = axes[1, 0]
    ax.plot(months, ts["mean_ownership"], label="psychological ownership (staff)")
    ax.plot(months, ts["satisfaction_staff"], label="satisfaction (staff)")
    ax.plot(months, ts["transferred_mean_engagement"] / 4, "--",
            label="mean rung / 4, TUPE staff")
    ax.plot(months, ts["recruited_mean_engagement"] / 4, ":", label="mean rung / 4, recruits")
    ax.set(title="Ownership and culture", xlabel="month", ylabel="index 0–1", ylim=(0, 1))
    ax.legend(loc="best", fontsize=8)

    ideal_type_panel(axes[1, 1], ts, summary["scenario"]["parameters"]["indices.threshold"])
    fig.savefig(path, dpi=90, format="png")
    plt.close(fig)


def ideal_type_panel(ax, ts: pd.DataFrame, threshold: float) -> None:
    """The Figure 5.1 quadrant with the organisation's path over time."""
    ax.axvline(threshold, color="grey", lw=0.8)
    ax.axhline(threshold, color="grey", lw=0.8)
    for (x, y), key in (((0.02, 0.02), "stewardship-1"), ((0.02, 0.97), "stewardship-2"),
                        ((0.52, 0.02), "democratic-1"), ((0.52, 0.97), "democratic-2")):
        ax.text(x, y, IDEAL_TYPE_LABELS[key], fontsize=8, color="grey",
                va="top" if y > 0.5 else "bottom")
    legal, cultural = ts["legal_formal_index"], ts["cultural_psychological_index"]
    ax.plot(legal, cultural, color="tab:purple")
    ax.scatter(legal.iloc[[0]], cultural.iloc[[0]], color="tab:purple", marker="o",
               label="month 0")
    ax.scatter(legal.iloc[[-1]], cultural.iloc[[-1]], color="tab:purple", marker="*", s=120,
               label=f"month {int(ts['month'].iloc[-1])}")
    ax.set(title="Figure 5.1 ideal type", xlabel="legal-formal ownership",
           ylabel="cultural-psychological ownership", xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="center right", fontsize=8)
