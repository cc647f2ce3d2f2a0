"""The sampling design of one cell (agent × period): allocation, exact inclusion
probabilities, and the seeded draw.

Design (stratified simple random sampling without replacement, allocations fixed by counts):

1. Every candidate belongs to exactly one *group*: the first targeted stratum (in plan order)
   whose filter it matches; else the first stratum whose *backup* filter it matches; else none.
2. The cell quota ``q' = min(quota, N)`` is split over channels (coverage): one per channel,
   the rest in proportion to channel size (D'Hondt). With more channels than the quota, a set
   of ``quota`` channels is drawn first (all sets equally likely), one conversation each.
3. Strata in priority order take ``target + carry`` from their group, channel by channel, capped
   by channel capacity; what the main group lacks comes from the backup group; what is still
   missing is carried to the next stratum (and finally to the random step).
4. Each (channel, group) draws its ``n`` of ``N`` by SRS; then each channel fills its remaining
   capacity ``r`` by SRS from its ``R`` not-yet-picked conversations (any group).

Every allocation depends only on group sizes, never on the draw, so the inclusion probability
is exact: ``π = a + (1 - a)·r/R`` with ``a = n/N`` of the unit's group (0 for no group),
averaged over the channel sets when those are drawn.
"""

from __future__ import annotations

import itertools
import zlib
from dataclasses import dataclass, field

import numpy as np

RANDOM = "random"


@dataclass(frozen=True)
class Step:
    """One SRS draw: ``n`` of the candidate positions ``rows`` (sorted by conversation id)."""

    channel: str
    stratum: str  # stratum kind, or "random"
    backup: bool
    rows: tuple[int, ...]
    n: int


@dataclass
class CellDesign:
    agent_id: str
    period: str
    quota: int
    size: int
    channels: dict[str, int]  # channel -> allocated sample size
    steps: list[Step] = field(default_factory=list)  # targeted steps, then random steps
    shortfalls: list[dict] = field(default_factory=list)
    alternatives: list[CellDesign] = field(default_factory=list)  # equally likely, when channels > quota


def allocate_channels(sizes: dict[str, int], quota: int) -> dict[str, int]:
    """Coverage first (one per channel, largest first, as far as the quota allows), then the
    rest in proportion to size (D'Hondt highest averages, ties by channel order)."""
    order = sorted(sizes, key=lambda ch: (-sizes[ch], ch))
    left = min(quota, sum(sizes.values()))
    alloc = {ch: 0 for ch in order}
    for ch in order:
        if left and sizes[ch]:
            alloc[ch], left = 1, left - 1
    while left:
        ch = max((c for c in order if alloc[c] < sizes[c]), key=lambda c: sizes[c] / (alloc[c] + 1))
        alloc[ch] += 1
        left -= 1
    return alloc


def build_cell(
    agent_id: str,
    period: str,
    quota: int,
    channel: list[str],
    group: list[str | None],
    backup_of: list[str | None],
    strata: list[tuple[str, int]],
) -> CellDesign:
    """Design for one cell. Per candidate position (sorted by conversation id): its channel
    key, its main group (stratum kind or None) and, when it has no main group, the stratum whose
    backup it matches. ``strata`` lists (kind, target) in priority order.

    When the agent has more channels than the quota, the covered channels are themselves drawn:
    every set of ``quota`` channels is equally likely (one conversation each), so no channel has
    a zero inclusion probability and the weighting stays unbiased."""
    sizes: dict[str, int] = {}
    for ch in channel:
        sizes[ch] = sizes.get(ch, 0) + 1
    shell = CellDesign(agent_id, period, quota, len(channel), {})
    if len(sizes) <= quota:
        cell = _build(shell, channel, group, backup_of, strata, set(sizes))
    else:
        cell = shell
        cell.alternatives = [
            _build(shell, channel, group, backup_of, strata, set(chosen))
            for chosen in itertools.combinations(sorted(sizes), quota)
        ]
        _short(
            cell,
            "channel",
            "",
            len(sizes),
            quota,
            f"quota {quota} < {len(sizes)} channels: {quota} channel(s) drawn at random",
        )
    if len(channel) < quota:
        _short(
            cell,
            "quota",
            "",
            quota,
            len(channel),
            f"only {len(channel)} eligible conversation(s) for a quota of {quota}",
        )
    return cell


def _short(cell: CellDesign, kind: str, stratum: str, wanted: int, got: int, message: str) -> None:
    """Record a shortfall of ``cell``: what was ``wanted`` of a kind (quota, channel, stratum), what it ``got``."""
    cell.shortfalls.append(
        {
            "agent_id": cell.agent_id,
            "period": cell.period,
            "kind": kind,
            "stratum": stratum,
            "wanted": wanted,
            "got": got,
            "message": message,
        }
    )


def _build(
    shell: CellDesign,
    channel: list[str],
    group: list[str | None],
    backup_of: list[str | None],
    strata: list[tuple[str, int]],
    allowed: set[str],
) -> CellDesign:
    """The fixed-allocation design of ``shell``'s cell over the positions whose channel is in ``allowed``."""
    positions = [i for i, ch in enumerate(channel) if ch in allowed]
    sizes: dict[str, int] = {}
    for i in positions:
        sizes[channel[i]] = sizes.get(channel[i], 0) + 1
    cap = allocate_channels(sizes, shell.quota)
    cell = CellDesign(shell.agent_id, shell.period, shell.quota, shell.size, dict(cap))
    used = {ch: 0 for ch in cap}
    carry = 0
    for kind, target in strata:
        want = min(target + carry, sum(cap.values()) - sum(used.values()))
        got = 0
        for is_backup, labels in ((False, group), (True, backup_of)):
            members: dict[str, list[int]] = {}
            for i in positions:
                if labels[i] == kind and (not is_backup or group[i] is None):
                    members.setdefault(channel[i], []).append(i)
            for ch in sorted(members, key=lambda c: (-len(members[c]), c)):
                take = min(len(members[ch]), cap[ch] - used[ch], want - got)
                if take > 0:
                    cell.steps.append(Step(ch, kind, is_backup, tuple(members[ch]), take))
                    used[ch] += take
                    got += take
        if got < min(target, want):
            _short(
                cell,
                "stratum",
                kind,
                target,
                got,
                f"{kind}: {got} of {target} found; the quota passes to the next stratum",
            )
        carry = target + carry - got
    for ch in sorted(cap):
        if cap[ch] > used[ch]:
            rows = tuple(i for i in positions if channel[i] == ch)
            cell.steps.append(Step(ch, RANDOM, False, rows, cap[ch] - used[ch]))
    return cell


def inclusion_probabilities(cell: CellDesign) -> np.ndarray:
    """Exact first-order inclusion probability of every candidate position of the cell."""
    if cell.alternatives:
        return np.mean([inclusion_probabilities(alt) for alt in cell.alternatives], axis=0)
    p_target = np.zeros(cell.size)
    picked_in_channel: dict[str, int] = {}
    for step in cell.steps:
        if step.stratum != RANDOM:
            p_target[list(step.rows)] = step.n / len(step.rows)
            picked_in_channel[step.channel] = picked_in_channel.get(step.channel, 0) + step.n
    pi = p_target.copy()
    for step in cell.steps:
        if step.stratum == RANDOM:
            rows = list(step.rows)
            remaining = len(rows) - picked_in_channel.get(step.channel, 0)
            pi[rows] = p_target[rows] + (1 - p_target[rows]) * step.n / remaining
    return pi


def choose(cell: CellDesign, rng: np.random.Generator) -> CellDesign:
    """The fixed design to run: the cell itself, or one of its equally likely alternatives."""
    return cell.alternatives[int(rng.integers(len(cell.alternatives)))] if cell.alternatives else cell


def cell_rng(seed: int, agent_id: str, period: str) -> np.random.Generator:
    """A generator per cell, so one cell's draw does not depend on the others."""
    return np.random.default_rng([seed, zlib.crc32(f"{agent_id}\x1f{period}".encode())])


def draw(cell: CellDesign, rng: np.random.Generator) -> list[tuple[int, Step]]:
    """Run the design: (position, step that picked it), in draw order."""
    taken: set[int] = set()
    picks: list[tuple[int, Step]] = []
    for step in choose(cell, rng).steps:
        pool = [i for i in step.rows if i not in taken] if step.stratum == RANDOM else list(step.rows)
        for j in rng.choice(len(pool), size=step.n, replace=False):
            taken.add(pool[j])
            picks.append((pool[j], step))
    return picks
