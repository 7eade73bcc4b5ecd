"""The layer manifest parses, and rejects malformed entries with a useful message."""

import copy

import pytest
import yaml

from urbanmap import catalog, layers


def test_manifest_loads_and_every_layer_file_exists():
    specs = layers.load_manifest()
    assert {"admin_province", "admin_prefecture", "admin_county"} <= {s.id for s in specs}
    for s in specs:
        assert s.file.exists(), s.path


def test_admin_layers_load_with_their_required_attributes():
    for spec in layers.specs_in_group("admin"):
        gdf = catalog.get_layer(spec.id)
        assert len(gdf) > 0
        assert set(spec.required_attributes) <= set(gdf.columns), spec.id
        assert gdf[spec.key_field].is_unique


def _raw():
    with open(layers.config.geodata_dir() / "layers.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.mark.parametrize("mutate,needle", [
    (lambda l: l.pop("title_en"), "missing title_en"),
    (lambda l: l.update(group="nope"), "group must be"),
    (lambda l: l.update(geometry="blob"), "geometry must be"),
    (lambda l: l.update(schematic="yes"), "schematic must be"),
    (lambda l: l.update(key_field="zzz"), "key_field"),
    (lambda l: l.update(style={"colour": "red"}), "style"),
])
def test_bad_entries_are_rejected_by_name(mutate, needle):
    data = copy.deepcopy(_raw())
    mutate(data["layers"][0])
    with pytest.raises(layers.ManifestError) as err:
        layers.parse_manifest(data)
    assert needle in str(err.value)
    assert data["layers"][0]["id"] in str(err.value)


def test_duplicate_ids_are_rejected():
    data = _raw()
    data["layers"].append(copy.deepcopy(data["layers"][0]))
    with pytest.raises(layers.ManifestError, match="duplicate id"):
        layers.parse_manifest(data)
