from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from csreview.frames import (
    among,
    exact_copies,
    positions,
    positions_in,
    positions_of_rows,
    repeated,
    rows_at,
    rows_where,
    shared_codes,
    sums_added,
    taken,
    taken_from,
)


@pytest.mark.parametrize("dtype", ["string", "str", "object"])
def test_among_never_matches_a_missing_value(dtype: str) -> None:
    values = pd.Series(["a", "b", None, "c"], dtype=dtype)
    ids = pd.Series(["c", None, "a"], dtype=dtype)
    assert among(values, ids).tolist() == [True, False, False, True]


def test_among_takes_a_set_and_an_empty_series() -> None:
    values = pd.Series(["a", "b"], dtype="string")
    assert among(values, {"b"}).tolist() == [False, True]
    assert among(values, pd.Series([], dtype="string")).tolist() == [False, False]


@pytest.mark.parametrize("values", [["c3", None, "c1", "c3", "c9"], ["c9"], []])
def test_among_is_the_same_whichever_side_is_hashed(values: list[str | None]) -> None:
    """Fewer values than ids hashes the values, more hashes the ids."""
    ids = pd.Series(["c1", "c2", "c3", "c1", None, "c4", "c5", "c6"], dtype="str")
    expected = [v in ("c1", "c3") for v in values]
    few = pd.Series(values, dtype="str")
    assert among(few, ids).tolist() == expected
    many = pd.concat([few] * 9, ignore_index=True)
    assert among(many, ids).tolist() == expected * 9


@pytest.mark.parametrize("dtype", ["str", "string[pyarrow]", "object"])
def test_repeated_rows_are_given_values_on_another_row_too(dtype: str) -> None:
    values = pd.Series(["a", "b", None, "a", None, "c", "c", "c"], dtype=dtype)
    expected = [True, False, False, True, False, True, True, True]
    assert repeated(values).tolist() == expected
    assert repeated(values.iloc[:0]).tolist() == []


def test_rows_where_are_the_kept_rows_renumbered() -> None:
    frame = pd.DataFrame(
        {
            "id": pd.array(["a", None, "c", "d"], dtype="string[pyarrow]"),
            "at": pd.to_datetime(["2026-10-01", None, "2026-10-03", "2026-10-04"]).tz_localize(
                "Asia/Shanghai"
            ),
            "flag": pd.array([True, None, False, True], dtype="boolean"),
            "n": [1.5, 2.0, np.nan, 4.0],
        },
        index=[7, 8, 9, 10],
    )
    for mask in ([True, True, False, True], [False] * 4, [True] * 4):
        kept = np.array(mask)
        expected = frame[kept].reset_index(drop=True)
        pd.testing.assert_frame_equal(rows_where(frame, kept), expected, check_exact=True)
        consumed = frame.copy()
        got = rows_where(consumed, kept, consume=True)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        assert consumed.columns.empty  # every column given up as its kept one was made
    assert rows_where(frame, np.array([False, False, True, False]))["id"].tolist() == ["c"]


def test_shared_codes_number_equal_ids_alike_across_columns() -> None:
    first, second = shared_codes(
        pd.Series(["x", "y", None], dtype="string"), pd.Series(["y", "z", "x"], dtype="string")
    )
    assert first[2] == -1
    assert second[0] == first[1] and second[2] == first[0]
    assert second[1] not in (first[0], first[1])


def test_positions_find_each_value_in_the_ids_or_minus_one() -> None:
    ids = pd.Series(["c1", "c2", "c3"], dtype="string")
    values = pd.Series(["c3", "nope", None, "c1"], dtype="string")
    assert positions(values, ids).tolist() == [2, -1, -1, 0]


@pytest.mark.parametrize("values", [["c3", None, "c1", "c3"], ["c9"], []])
def test_positions_are_the_same_whichever_side_is_hashed(values: list[str | None]) -> None:
    """Fewer values than ids hashes the values, more hashes the ids; either way a value finds
    the first of equal ids."""
    ids = pd.Series(["c1", "c2", "c3", "c1", None, "c4", "c5", "c6"], dtype="string[pyarrow]")
    expected = [{"c1": 0, "c3": 2}.get(v, -1) if v else -1 for v in values]
    few = pd.Series(values, dtype="string[pyarrow]")
    assert positions(few, ids).tolist() == expected
    many = pd.concat([few] * 9, ignore_index=True)
    assert positions(many, ids).tolist() == expected * 9


@pytest.mark.parametrize("dtype", ["str", "string[pyarrow]", "object"])
def test_positions_in_looks_up_several_columns_as_one_at_a_time(dtype: str) -> None:
    ids = pd.Series(["C1", "C2", "C3"], dtype=dtype)
    first = pd.Series(["C3", None, "C1"], dtype=dtype)
    second = pd.Series(["C9", "C2"], dtype=dtype)
    found = positions_in(ids, first, second, first.iloc[:0])
    assert [a.tolist() for a in found] == [[2, -1, 0], [-1, 1], []]
    assert found[0].tolist() == positions(first, ids).tolist()


@pytest.mark.parametrize("key", ["id", None])
def test_exact_copies_are_the_later_rows_equal_in_every_column(key: str | None) -> None:
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "a", "a", None, None, "c"],
            "x": [1, 2, 1, 9, 5, 5, 1],
        }
    )
    # row 2 repeats row 0; row 3 shares its id but differs; row 5 repeats row 4 (no id)
    expected = [False, False, True, False, False, True, False]
    assert exact_copies(frame, key).tolist() == expected
    assert exact_copies(frame, key).tolist() == frame.duplicated(keep="first").tolist()


def test_exact_copies_on_random_frames_equal_pandas() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        frame = pd.DataFrame(
            {
                "id": pd.Series(rng.choice(["a", "b", "c", "d", None], 40), dtype="string"),
                "x": rng.integers(0, 3, 40),
                "y": rng.choice([0.5, np.nan], 40),
            }
        )
        expected = frame.duplicated(keep="first").tolist()
        assert exact_copies(frame, "id").tolist() == expected
        # any rows including those whose id is missing or shared give the same copies
        wider = frame["id"].isna().to_numpy() | repeated(frame["id"]) | (frame["x"] == 0)
        assert exact_copies(frame, "id", wider.to_numpy()).tolist() == expected


def test_rows_at_positions_are_a_left_join_by_position() -> None:
    frame = pd.DataFrame({"day": pd.to_datetime(["2026-10-01", "2026-10-02"]), "n": [1, 2]})
    at = np.array([1, -1, 0])
    index = pd.Index([10, 11, 12])
    picked = rows_at(frame, at, index)
    assert picked.index.tolist() == [10, 11, 12]
    assert picked["n"].tolist()[0::2] == [2, 1] and pd.isna(picked["n"].iloc[1])
    assert pd.isna(picked["day"].iloc[1]) and picked["day"].iloc[2] == frame["day"].iloc[0]
    assert rows_at(frame["n"], at, index).iloc[[0, 2]].tolist() == [2, 1]


def test_taking_every_row_in_order_copies_nothing() -> None:
    frame = pd.DataFrame({"n": np.arange(5.0), "t": list("abcde")}, index=range(10, 15))
    whole = taken(frame, np.arange(5))
    assert list(whole.index) == [0, 1, 2, 3, 4]
    assert np.shares_memory(whole["n"].to_numpy(), frame["n"].to_numpy())
    some = taken(frame, np.array([0, 2, 4]))
    assert some["t"].tolist() == ["a", "c", "e"] and list(some.index) == [0, 1, 2]
    assert taken(frame, np.array([1, 0, 2, 3, 4]))["t"].tolist() == list("bacde")


@pytest.mark.parametrize(
    "rows",
    [
        np.arange(5),
        np.array([0, 2, 4]),  # in order, with gaps: filtered
        np.array([1, 2, 3]),  # one run: a slice
        np.array([1, 0, 2, 3, 4]),
        np.array([4, 1], dtype=np.uint64),  # unsigned, out of order: taken
        np.array([], int),
    ],
)
def test_taking_from_a_dict_gives_what_taken_gives_and_lets_the_frame_go(rows: np.ndarray) -> None:
    frame = pd.DataFrame(
        {
            "n": np.arange(5.0),
            "i": np.arange(5),
            "t": pd.Series(list("abcde"), dtype="str"),
            "f": pd.array([True, None, False, True, None], dtype="boolean"),
        },
        index=range(10, 15),
    )
    frame.attrs["source"] = "db"
    frames = {"contacts": frame.copy(), "other": frame}
    picked = taken_from(frames, "contacts", rows)
    pd.testing.assert_frame_equal(picked, taken(frame, rows), check_exact=True)
    assert picked.attrs == {"source": "db"}
    assert list(frames) == ["other"]


def test_taking_from_a_dict_lets_each_column_go_once_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A column as read is let go before the next is taken: the frame is never whole twice."""
    import weakref

    frames = {
        "t": pd.DataFrame(
            {"a": pd.Series(list("wxyz"), dtype="str"), "b": pd.Series(list("WXYZ"), dtype="str")}
        )
    }
    held = [weakref.ref(frames["t"][c].array) for c in ("a", "b")]
    alive: list[list[bool]] = []
    kind = type(frames["t"]["a"].array)
    take = kind.take

    def watched(self: Any, *args: Any, **kwargs: Any) -> Any:
        alive.append([ref() is not None for ref in held])
        return take(self, *args, **kwargs)

    monkeypatch.setattr(kind, "take", watched)
    picked = taken_from(frames, "t", np.array([3, 1]))
    assert alive == [[True, True], [False, True]]
    assert picked["a"].tolist() == ["z", "x"] and picked["b"].tolist() == ["Z", "X"]


@pytest.mark.parametrize("consume", [False, True])
def test_a_large_column_is_given_back_once_it_is_gone(
    monkeypatch: pytest.MonkeyPatch, consume: bool
) -> None:
    """Taking rows column by column gives a large column's pages back to the system once
    its last reference is gone (Arrow's pool and the C heap would keep them)."""
    import weakref

    from csreview import frames as module

    frame = pd.DataFrame(
        {"small": np.arange(4, dtype=np.int8), "large": pd.Series(list("wxyz"), dtype="str") * 100}
    )
    held = weakref.ref(frame["large"].array)
    given: list[bool] = []
    monkeypatch.setattr(module, "LARGE_COLUMN", frame["large"].array.nbytes)
    monkeypatch.setattr(module, "give_back", lambda: given.append(held() is None))
    if consume:
        picked = rows_where(frame, np.array([True, False, True, True]), consume=True)
    else:
        frames = {"t": frame}
        del frame  # the dict holds the frame's only reference, as `taken_from` asks
        picked = taken_from(frames, "t", np.array([0, 2, 3]))
    assert picked["large"].tolist() == ["w" * 100, "y" * 100, "z" * 100]
    assert given == [True]  # once, for the large column, after it went


def test_one_run_of_rows_taken_from_a_dict_is_not_copied() -> None:
    frame = pd.DataFrame({"n": np.arange(5.0)})
    picked = taken_from({"t": frame}, "t", np.array([1, 2, 3]))
    assert np.shares_memory(picked["n"].to_numpy(), frame["n"].to_numpy())
    assert picked["n"].tolist() == [1.0, 2.0, 3.0] and list(picked.index) == [0, 1, 2]


def test_positions_of_rows_kept_with_their_labels_are_their_labels() -> None:
    table = pd.DataFrame({"id": pd.Series(["c1", "c2", "c3", "c4"], dtype="string[pyarrow]")})
    rows = table.iloc[[3, 1]]
    assert positions_of_rows(rows, table, "id").tolist() == [3, 1]


@pytest.mark.parametrize(
    "rows",
    [
        # labels lost: looked up by id
        pd.DataFrame({"id": pd.Series(["c3", "c9", "c1"], dtype="string[pyarrow]")}),
        # a label that points at another id, and a missing id, are looked up by id too
        pd.DataFrame({"id": pd.Series(["c3", None], dtype="string[pyarrow]")}, index=[0, 1]),
    ],
)
def test_positions_of_other_rows_are_looked_up_by_id(rows: pd.DataFrame) -> None:
    table = pd.DataFrame({"id": pd.Series(["c1", "c2", "c3", "c4"], dtype="string[pyarrow]")})
    assert (
        positions_of_rows(rows, table, "id").tolist() == positions(rows["id"], table["id"]).tolist()
    )


def test_sums_added_key_by_key_in_key_order() -> None:
    """Keys in both add up, a key in one keeps its sums, an empty side changes nothing."""
    a = pd.DataFrame({"rows": [1, 2]}, index=pd.Index(["phone", "chat"], name="channel"))
    b = pd.DataFrame({"rows": [10, 5]}, index=pd.Index(["email", "phone"], name="channel"))
    got = sums_added(a, b)
    assert list(got.index) == ["chat", "email", "phone"]
    assert list(got["rows"]) == [2, 10, 6]
    assert sums_added(a, a.iloc[:0]) is a
    assert sums_added(a.iloc[:0], b) is b
