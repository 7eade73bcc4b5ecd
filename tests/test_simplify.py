"""Coverage simplification keeps shared borders shared and bounds displacement."""

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box

from urbanmap.simplify import CoverageError, round_coordinates, simplify_coverage


def _wiggly_grid(n=4, wiggle=0.02, step=200):
    """n x n unit squares whose shared edges zig-zag (an edge-matched coverage)."""
    rng = np.random.default_rng(1)
    xs = np.linspace(0, 1, step)
    # one wiggle profile per vertical and per horizontal line, shared by both sides
    envelope = np.sin(np.pi * xs)  # zero at the corners, so lines meet exactly
    vert = {i: rng.normal(0, wiggle, step) * envelope for i in range(1, n)}
    horz = {j: rng.normal(0, wiggle, step) * envelope for j in range(1, n)}

    def vline(i, j):  # from (i, j) to (i, j+1)
        off = vert[i] if i in vert else np.zeros(step)
        return [(i + off[k], j + xs[k]) for k in range(step)]

    def hline(i, j):  # from (i, j) to (i+1, j)
        off = horz[j] if j in horz else np.zeros(step)
        return [(i + xs[k], j + off[k]) for k in range(step)]

    polys = []
    for i in range(n):
        for j in range(n):
            ring = hline(i, j) + vline(i + 1, j)[1:] + hline(i, j + 1)[::-1][1:] + vline(i, j)[::-1][1:]
            polys.append(Polygon(ring))
    return np.array(polys, dtype=object)


def test_input_is_a_valid_coverage():
    assert shapely.coverage_is_valid(_wiggly_grid())


def test_result_is_coverage_with_fewer_vertices_and_bounded_error():
    grid = _wiggly_grid()
    tol = 0.05
    out = simplify_coverage(grid, tol)
    assert len(out) == len(grid)
    assert shapely.coverage_is_valid(out)
    assert shapely.is_valid(out).all()
    assert shapely.get_num_coordinates(out).sum() < shapely.get_num_coordinates(grid).sum() / 3
    # Douglas-Peucker: no border moves further than the tolerance
    assert max(shapely.hausdorff_distance(grid, out)) <= tol * 1.01
    # no gaps, no overlaps: the union is the same square
    assert shapely.union_all(out).symmetric_difference(box(0, 0, 4, 4)).area < 1e-9


def test_neighbours_share_exactly_the_same_border():
    out = simplify_coverage(_wiggly_grid(n=2), 0.05)
    shared = shapely.intersection(out[0].boundary, out[2].boundary)  # (0,0) and (1,0)
    assert shared.length > 0.9
    assert shapely.area(shapely.intersection(out[0], out[2])) < 1e-12


def test_rejects_a_non_coverage():
    overlapping = np.array([box(0, 0, 1, 1), box(0.5, 0, 1.5, 1)], dtype=object)
    with pytest.raises(CoverageError):
        simplify_coverage(overlapping, 0.1)


def test_rounding_keeps_edges_matched():
    out = round_coordinates(simplify_coverage(_wiggly_grid(), 0.01), 3)
    assert shapely.coverage_is_valid(out)
    coords = shapely.get_coordinates(out)
    assert np.allclose(coords, np.round(coords, 3))
