"""Scoring a linkage against the truth: pairwise precision, recall and F1, and cluster figures.

Pairwise figures count pairs of mentions: a true pair is two mentions of one true entity, a
predicted pair two mentions in one cluster. Counted by grouping (sum of n·(n-1)/2), never by
listing pairs, so a million mentions score in seconds. Mentions the truth does not know are
left out (and counted), so that neither side is judged on what cannot be checked.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from commonground.contribute.contract import Contract
from commonground.errors import InvalidInput
from commonground.link.schema import ID, EntityKind


def _pairs(table: pa.Table, keys: list[str]) -> int:
    counts = table.group_by(keys).aggregate([(keys[0], "count")])[f"{keys[0]}_count"]
    n = counts.to_numpy().astype("int64")
    return int((n * (n - 1) // 2).sum())


def score(predicted: pa.Table, truth: pa.Table) -> dict[str, Any]:
    """`predicted` (unique_id, entity) against `truth` (unique_id, true_entity)."""
    joined = predicted.select([ID, "entity"]).join(truth.select([ID, "true_entity"]), ID,
                                                   join_type="inner")
    joined = joined.filter(pc.is_valid(joined["true_entity"]))
    both = _pairs(joined, ["entity", "true_entity"])
    found = _pairs(joined, ["entity"])
    real = _pairs(joined, ["true_entity"])
    precision = both / found if found else 1.0
    recall = both / real if real else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    members = joined.group_by("entity").aggregate([("true_entity", "count_distinct"),
                                                   (ID, "count")])
    truths = joined.group_by("true_entity").aggregate([("entity", "count_distinct")])
    pure = pc.sum(pc.equal(members["true_entity_count_distinct"], 1)).as_py() or 0
    whole = pc.sum(pc.equal(truths["entity_count_distinct"], 1)).as_py() or 0
    return {
        "mentions_scored": joined.num_rows,
        "mentions_without_truth": predicted.num_rows - joined.num_rows,
        "pairwise_precision": round(precision, 5), "pairwise_recall": round(recall, 5),
        "pairwise_f1": round(f1, 5), "true_pairs": real, "predicted_pairs": found,
        "true_entities": truths.num_rows, "predicted_entities": members.num_rows,
        "pure_clusters": round(pure / members.num_rows, 5) if members.num_rows else 1.0,
        "entities_kept_whole": round(whole / truths.num_rows, 5) if truths.num_rows else 1.0,
    }


def county_truth(truth_dir: Path, kind: EntityKind, address_columns: dict[str, str]
                 ) -> pa.Table:
    """(unique_id, true_entity) for the synthetic county's mentions.

    People: subject '', 'victim' and 'holder' (an HMO licence's) are the record's person,
    'suspect' its other person.
    Addresses: the record's address is the one in its subject-less address column
    (`address_columns`: dataset ref -> that column's name).
    """
    try:
        return _county_truth(truth_dir, kind, address_columns)
    except (OSError, pa.ArrowException, KeyError, TypeError, ValueError) as exc:
        # A file sent over the API may be anything: say so rather than fail as a bug.
        raise InvalidInput("the truth is not a synthetic county's record_truth.parquet "
                           "(agency, dataset, record_id, person_id, other_person_id, "
                           f"address_id): {type(exc).__name__}") from None


def _county_truth(truth_dir: Path, kind: EntityKind, address_columns: dict[str, str]
                  ) -> pa.Table:
    t = pq.read_table(Path(truth_dir) / "record_truth.parquet").to_pylist()
    ids: list[str] = []
    entities: list[int | None] = []
    for row in t:
        ref = f"{row['agency']}/{row['dataset']}"
        rid = row["record_id"]
        if kind == "person":
            for subject, value in (("", row["person_id"]), ("victim", row["person_id"]),
                                   ("holder", row["person_id"]),
                                   ("suspect", row["other_person_id"])):
                ids.append(f"{ref}|{rid}|{subject}")
                entities.append(value)
        elif ref in address_columns:
            ids.append(f"{ref}|{rid}|{address_columns[ref]}")
            entities.append(row["address_id"])
    return pa.table({ID: pa.array(ids, pa.string()),
                     "true_entity": pa.array(entities, pa.int64())})


def resolution_truth(partners: Path, truth_dir: Path, contracts: Mapping[str, Contract]
                     ) -> tuple[pa.Table, pa.Table]:
    """The county's record addresses as the partners wrote them, and the UPRN each really is:
    (id, address, postcode) and (id, true_uprn), id being "org/dataset|record".

    The addresses are those the linkage truth knows (each record's own, subject-less address
    column, with the postcode of the same subject), read from the raw extracts: what a
    partner resolves at source.
    """
    from commonground.contribute.readers import read_extract

    records = pq.read_table(Path(truth_dir) / "record_truth.parquet")
    truth = pa.table({
        ID: pc.binary_join_element_wise(
            pc.binary_join_element_wise(records["agency"], records["dataset"], "/"),
            records["record_id"], "|"),
        "true_uprn": pc.cast(records["address_id"], pa.string())})
    parts = []
    for ref, contract in contracts.items():
        column = next((c for c in contract.identifiers
                       if c.identifier == "address" and not c.subject), None)
        if column is None or contract.record_id is None:
            continue
        org, name = ref.split("/")
        table = read_extract(next((Path(partners) / org).glob(f"{name}.*"))).table
        postcode = next((c.name for c in contract.identifiers
                         if c.identifier == "postcode" and not c.subject), None)
        ids = pc.binary_join_element_wise(pa.scalar(ref), pc.cast(table[contract.record_id],
                                                                  pa.string()), "|")
        parts.append(pa.table({
            ID: ids, "address": pc.cast(table[column.name], pa.string()),
            "postcode": (pc.cast(table[postcode], pa.string()) if postcode
                         else pa.nulls(table.num_rows, pa.string()))}))
    addresses = pa.concat_tables(parts)
    known = truth.filter(pc.is_valid(truth["true_uprn"]))
    addresses = addresses.join(known.select([ID]), ID, join_type="inner").sort_by(ID)
    known = known.join(addresses.select([ID]), ID, join_type="inner").sort_by(ID)
    return addresses.rename_columns(["id", "address", "postcode"]), known.rename_columns(
        ["id", "true_uprn"])


def febrl_truth(clusters: pa.Table) -> pa.Table:
    """FEBRL: rec-N-org and rec-N-dup-K are one person; the N is the truth."""
    ids = clusters[ID].to_pylist()
    return pa.table({ID: ids, "true_entity": [i.rsplit("|", 2)[1].split("-")[1] for i in ids]})


def evidence_ceiling(mentions: pa.Table, truth: pa.Table, names: tuple[str, str],
                     others: tuple[str, ...], predicted: pa.Table | None = None
                     ) -> dict[str, Any]:
    """How many true pairs any model could link: the data's own limit, from the truth.

    Each true pair (two mentions of one entity) is first put in one class by what its own two
    mentions share:
    - corroborated: some identifier beyond the name agrees exactly (`others`: date of birth,
      address, postcode, national id);
    - unique name: only the name agrees, and no other entity in the data has that name
      (frequency-adjusted weights can link these);
    - name only: only a name that other entities share, or not even the name exactly.
    The first two classes are evidence. A clusterer follows chains of evidence, so a pair with
    none of its own is still linkable when a chain of evidenced pairs joins its two mentions
    (a council-tax record and a hospital record each sharing something with a police one):
    `via_chain` counts those. The recall bound counts every pair joined by evidence, directly
    or through a chain; F1 bound = 2R / (1 + R) (precision 1).
    With `predicted` (unique_id, entity), also the share of linkable pairs it did link.
    Works on tokens as on plaintext: only equality is used.
    """
    if not others:
        raise InvalidInput("name at least one identifier beyond the name in `others`")
    given, family = names
    columns = [ID, given, family, *others]
    joined = mentions.select(columns).join(truth.select([ID, "true_entity"]), ID,
                                           join_type="inner")
    joined = joined.filter(pc.is_valid(joined["true_entity"]))
    joined = joined.append_column("node", pa.array(np.arange(joined.num_rows)))
    holders = joined.filter(pc.and_(pc.is_valid(joined[given]), pc.is_valid(joined[family])))
    holders = holders.group_by([given, family]).aggregate([("true_entity", "count_distinct")])
    joined = joined.join(holders, [given, family], join_type="left outer")
    pairs = joined.join(joined, "true_entity", left_suffix="_l", right_suffix="_r",
                        join_type="inner")
    pairs = pairs.filter(pc.less(pairs[f"{ID}_l"], pairs[f"{ID}_r"]))

    def same(column: str) -> pa.ChunkedArray:
        return pc.fill_null(pc.equal(pairs[f"{column}_l"], pairs[f"{column}_r"]), False)

    corroborated = functools.reduce(pc.or_, [same(column) for column in others])
    same_name = pc.and_(same(given), same(family))
    unique = pc.and_(same_name, pc.equal(pc.fill_null(
        pairs["true_entity_count_distinct_l"], 2), 1))
    evidenced = pc.or_(corroborated, unique)
    # Components of the evidence graph: they never cross true entities (pairs are within one).
    left = pairs["node_l"].to_numpy()
    right = pairs["node_r"].to_numpy()
    keep = evidenced.to_numpy(zero_copy_only=False)
    graph = coo_matrix((np.ones(int(keep.sum()), dtype=np.int8), (left[keep], right[keep])),
                       shape=(joined.num_rows, joined.num_rows))
    _, component = connected_components(graph, directed=False)
    linkable = component[left] == component[right]
    total = pairs.num_rows
    n_corroborated = pc.sum(corroborated).as_py() or 0
    n_evidenced = pc.sum(evidenced).as_py() or 0
    n_linkable = int(linkable.sum())
    recall = n_linkable / total if total else 1.0
    figures: dict[str, Any] = {
        "true_pairs": total, "corroborated": n_corroborated,
        "unique_name_only": n_evidenced - n_corroborated,
        "via_chain": n_linkable - n_evidenced, "name_only": total - n_linkable,
        "recall_bound": round(recall, 5), "f1_bound": round(2 * recall / (1 + recall), 5),
    }
    if predicted is not None:
        entity = predicted.select([ID, "entity"])
        found = pairs.filter(pa.array(linkable)).select([f"{ID}_l", f"{ID}_r"])
        found = found.join(entity.rename_columns([f"{ID}_l", "entity_l"]), f"{ID}_l")
        found = found.join(entity.rename_columns([f"{ID}_r", "entity_r"]), f"{ID}_r")
        linked = pc.sum(pc.fill_null(pc.equal(found["entity_l"], found["entity_r"]), False))
        figures["recall_on_linkable"] = round((linked.as_py() or 0) / n_linkable, 5) \
            if n_linkable else 1.0
    return figures


def supervised_limit(mentions: pa.Table, pairs: pa.Table, truth: pa.Table,
                     conflicts: tuple[str, ...] = (), seed: int = 0, weighed: int = 0
                     ) -> dict[str, Any]:
    """What a learner *told the truth* reaches on the same candidate pairs and comparisons.

    `pairs` are a run's scored pairs, every candidate kept (a review band reaching down to
    ~0): their per-comparison weights and term frequencies (`mw_*`, `tf_*`) and the total
    weight are the features, the truth says which pairs are one entity. A gradient-boosted
    classifier (scikit-learn) is trained on half the entities and scores the other half, both
    ways round; its probabilities are clustered as the model's are, at the threshold that
    suits it best. Not a model to deploy (it needs the truth, and its threshold is picked on
    it): a measure of how much the comparisons themselves can tell, which Splink's
    independence assumption may leave unused. What it cannot link, no re-weighting of these
    comparisons will.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    from commonground.link.cluster import constrained_clusters

    entity = truth.select([ID, "true_entity"])
    labelled = pairs.join(entity.rename_columns([f"{ID}_l", "entity_l"]), f"{ID}_l")
    labelled = labelled.join(entity.rename_columns([f"{ID}_r", "entity_r"]), f"{ID}_r")
    labelled = labelled.filter(pc.and_(pc.is_valid(labelled["entity_l"]),
                                       pc.is_valid(labelled["entity_r"])))
    features = [c for c in labelled.column_names
                if c.startswith(("mw_", "tf_")) or c == "match_weight"]
    x = np.column_stack([labelled[c].to_numpy(zero_copy_only=False).astype(float)
                         for c in features])
    x = np.nan_to_num(x, nan=-1.0)
    left = labelled["entity_l"].to_numpy()
    right = labelled["entity_r"].to_numpy()
    same = left == right
    # Halves by entity (numbered, whatever the truth's ids are): one person's pairs stay in
    # one half.
    _, number = np.unique(np.concatenate([left, right]), return_inverse=True)
    fold = np.minimum(number[:len(left)], number[len(left):]) % 2
    probability = np.zeros(len(same))
    for half in (0, 1):
        learner = HistGradientBoostingClassifier(max_iter=300, random_state=seed)
        learner.fit(x[fold != half], same[fold != half])
        probability[fold == half] = learner.predict_proba(x[fold == half])[:, 1]
    odds = np.clip(probability, 1e-9, 1 - 1e-9)
    scored = pa.table({"unique_id_l": labelled[f"{ID}_l"], "unique_id_r": labelled[f"{ID}_r"],
                       "match_weight": np.log2(odds / (1 - odds)),
                       "match_probability": probability})
    best: dict[str, Any] = {}
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        clusters = constrained_clusters(mentions, scored, threshold, conflicts,
                                        weighed=weighed)
        figures = score(clusters.rename_columns([ID, "entity"]), truth)
        if figures["pairwise_f1"] > best.get("pairwise_f1", -1.0):
            best = {**figures, "threshold": threshold}
    return best


def true_addresses(index: pa.Table, record_truth: pa.Table,
                   address_columns: Mapping[str, str]
                   ) -> dict[str, int]:
    """Address entity id -> the true address id most of its mentions are about."""
    truth = {(f"{a}/{d}", str(r)): t for a, d, r, t in zip(
        record_truth["agency"].to_pylist(), record_truth["dataset"].to_pylist(),
        record_truth["record_id"].to_pylist(), record_truth["address_id"].to_pylist(),
        strict=True) if t is not None}
    votes: dict[str, Counter[int]] = defaultdict(Counter)
    for ref, record, subject, entity in zip(
            index["source_dataset"].to_pylist(), index["record_id"].to_pylist(),
            index["subject"].to_pylist(), index["entity_id"].to_pylist(), strict=True):
        if address_columns.get(ref) == subject and (ref, str(record)) in truth:
            votes[entity][truth[ref, str(record)]] += 1
    # Most votes, then the smaller id: the same answer every run.
    return {entity: min(count, key=lambda t: (-count[t], t)) for entity, count in votes.items()}
