"""Clustering scored pairs into entities: strongest link first, never across a conflict.

Connected components at a threshold merges whatever a chain of links reaches: a council-tax
account with no date of birth that matches a father and his son of the same name, at the same
address, joins all three, and one such bridge after another glues households and namesakes
into one giant cluster. Here links are taken from the strongest down (a union-find), and a
link is refused when the two clusters it would join hold *conflicting* identifiers: both know
a date of birth (day and month unordered) and no date is in both, or both know an NHS number
and none is shared. The bridge then joins the person it matches best and stops there.

Two single mentions are never refused: their own pair's score has weighed any disagreement.
In the same way, with `weighed` at 1, a conflict the link has weighed itself does not refuse
it: when both of the link's own mentions hold the identifier, their pair's score has counted
the disagreement and still reached the threshold (a record of a person with a typo in the
date of birth, beside two that agree: FEBRL2's several duplicates per person, which the rule
kept apart, losing a fifth of the true pairs). The bridge has no date of birth, so it weighed
nothing and is still refused. More conflicts at once than `weighed` (another date of birth
*and* another NHS number) are refused whatever the link weighed: on the county that was a
father and son of one name at one address more often than one person with two typos.

An incremental run (`link/incremental.py`) starts from the previous index's clusters: the
mentions that shared an entity start as one cluster, their identifiers pooled, and only the
new links are then taken, by the same rule.

The conflict columns are exact tokens, so this runs on tokens as on plaintext, and in plain
Python over Arrow columns whichever engine scored the pairs (one pass over the links; a
million mentions cluster in seconds).
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from commonground.link.schema import ID


def constrained_clusters(mentions: pa.Table, pairs: pa.Table, threshold: float,
                         conflicts: Sequence[str] = (), initial: pa.Table | None = None,
                         weighed: int = 0, anchors: Sequence[str] = ()) -> pa.Table:
    """(unique_id, cluster): every mention, its cluster named by its first mention id.

    `pairs` holds unique_id_l, unique_id_r, match_weight and match_probability; links at or
    above `threshold` are taken by weight, strongest first (ties by ids, so the result does
    not depend on row order). `conflicts` are mention columns of which two clusters must
    share a value, when both have any, to be joined. `initial` (unique_id, cluster), such
    as a previous index, groups mentions before any link is taken: mentions of one cluster
    there start together, unconditionally, with their identifiers pooled; ids that are not
    among `mentions` are ignored, and mentions it does not name start alone. `weighed` is how
    many conflicts a link between two clusters may carry when its own two mentions hold
    every conflicting identifier (their score has weighed the disagreement).
    A link whose two mentions agree on one of the `anchors` (a UPRN resolved at source) is
    taken whatever the conflicts: it says the same place for certain, and a postcode written
    against one of them stale does not.
    """
    ids = mentions[ID].to_pylist()
    index = {mention: i for i, mention in enumerate(ids)}
    parent = list(range(len(ids)))
    known: list[list[set[str] | None]] = []  # per conflict column: each root's values
    holds: list[list[bool]] = []  # per conflict column: whether each mention has a value
    for column in conflicts:
        if column not in mentions.column_names:
            continue
        values = mentions[column].to_pylist()
        known.append([{v} if v is not None else None for v in values])
        holds.append([v is not None for v in values])
    anchored = [mentions[c].to_pylist() for c in anchors if c in mentions.column_names]

    def find(i: int) -> int:
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:  # path compression
            parent[i], i = root, parent[i]
        return root

    size = [1] * len(ids)

    def join(a: int, b: int) -> None:  # two roots: the smaller joins the larger
        if size[a] < size[b]:
            a, b = b, a
        parent[b] = a
        size[a] += size[b]
        for sets in known:
            kept, joining = sets[a], sets[b]
            if joining:
                if kept is None:
                    sets[a] = joining
                else:
                    kept |= joining
                sets[b] = None

    if initial is not None:
        leader: dict[str, int] = {}
        for mention, group in zip(initial[ID].to_pylist(), initial["cluster"].to_pylist(),
                                  strict=True):
            at = index.get(mention)
            if at is None or group is None:
                continue
            if group not in leader:
                leader[group] = at
                continue
            ours, theirs = find(leader[group]), find(at)
            if ours != theirs:
                join(ours, theirs)

    links = pairs.filter(pc.greater_equal(pairs["match_probability"], threshold))
    order = pc.sort_indices(links, sort_keys=[("match_weight", "descending"),
                                              ("unique_id_l", "ascending"),
                                              ("unique_id_r", "ascending")])
    links = links.take(order)
    for left, right in zip(links["unique_id_l"].to_pylist(), links["unique_id_r"].to_pylist(),
                           strict=True):
        a, b = index.get(left), index.get(right)
        if a is None or b is None:
            continue
        certain = any(v[a] is not None and v[a] == v[b] for v in anchored)
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        in_conflict = [has[a] and has[b] for sets, has in zip(known, holds, strict=True)
                       if _conflict(sets[ra], sets[rb])]
        clusters = size[ra] > 1 or size[rb] > 1
        if (not certain and in_conflict and clusters
                and (len(in_conflict) > weighed or not all(in_conflict))):
            continue
        join(ra, rb)
    roots = [find(i) for i in range(len(ids))]
    first: dict[int, str] = {}
    for i, root in enumerate(roots):  # a cluster is named by its smallest mention id
        if root not in first or ids[i] < first[root]:
            first[root] = ids[i]
    table = pa.table({ID: pa.array(ids, pa.string()),
                      "cluster": pa.array([first[r] for r in roots], pa.string())})
    return table.sort_by([(ID, "ascending")])


def _conflict(left: set[str] | None, right: set[str] | None) -> bool:
    return left is not None and right is not None and left.isdisjoint(right)
