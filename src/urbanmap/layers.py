"""The layer manifest (geodata/layers.yaml): what layers exist and how they look.

Every map layer — administrative or thematic — has one manifest entry.  The
manifest is the single description used by the loader, the map styling, the
upload validator (geometry kind, required attributes, region) and the About
page.  ``load_manifest()`` validates it and raises :class:`ManifestError`
naming the layer and field at fault.

Optional keys (kept in ``LayerSpec.extra``) tune the labels drawn from
``style.label_field``: ``label_min_zoom`` (shown from this zoom on),
``label_class`` (``big`` / ``small`` / ``theme`` CSS classes) and
``label_priority`` (an integer; where labels would overlap, the higher one
stays and the other is hidden).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from . import config

GROUPS = ("admin", "clusters", "control_zones", "liupanshui")
GEOMETRY_KINDS = ("polygon", "line", "point")
_REQUIRED_KEYS = (
    "id", "title_zh", "title_en", "group", "geometry", "path", "key_field", "schematic",
    "region", "required_attributes", "style", "source", "description_zh", "description_en",
)


class ManifestError(ValueError):
    """The manifest is malformed; the message names the layer and field."""


@dataclass(frozen=True)
class Style:
    stroke: str = "#333333"
    fill: str | None = None
    fill_opacity: float = 0.2
    weight: float = 1.0
    dash: str | None = None  # Leaflet dashArray, e.g. "6 4"
    label_field: str | None = None
    #: per-value colours, e.g. {"field": "line_type", "values": {"blue": "#1f78b4"}}
    categories: dict | None = None
    radius: float = 6.0  # points only

    def leaflet(self) -> dict:
        """Leaflet path options for this style."""
        out = {"color": self.stroke, "weight": self.weight, "opacity": 0.95}
        if self.fill:
            out.update(fillColor=self.fill, fillOpacity=self.fill_opacity, fill=True)
        else:
            out.update(fill=False)
        if self.dash:
            out["dashArray"] = self.dash
        return out


@dataclass(frozen=True)
class LayerSpec:
    id: str
    title_zh: str
    title_en: str
    group: str
    geometry: str
    path: str  # relative to geodata/
    key_field: str
    schematic: bool
    region: tuple[str, ...]  # adcodes whose extent this layer's features must fall in
    required_attributes: tuple[str, ...]
    style: Style
    source: dict
    description_zh: str
    description_en: str
    extra: dict = field(default_factory=dict)  # any further manifest keys

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_zh

    def description(self, lang: str) -> str:
        return self.description_en if lang == "en" else self.description_zh

    @property
    def file(self) -> Path:
        return config.geodata_dir() / self.path


def parse_manifest(data: dict) -> list[LayerSpec]:
    if not isinstance(data, dict) or not isinstance(data.get("layers"), list):
        raise ManifestError("manifest must be a mapping with a 'layers' list")
    specs, seen = [], set()
    for i, raw in enumerate(data["layers"]):
        where = f"layers[{i}]" + (f" ({raw.get('id')})" if isinstance(raw, dict) and raw.get("id") else "")
        if not isinstance(raw, dict):
            raise ManifestError(f"{where}: must be a mapping")
        missing = [k for k in _REQUIRED_KEYS if k not in raw]
        if missing:
            raise ManifestError(f"{where}: missing {', '.join(missing)}")
        if raw["id"] in seen:
            raise ManifestError(f"{where}: duplicate id")
        seen.add(raw["id"])
        if raw["group"] not in GROUPS:
            raise ManifestError(f"{where}: group must be one of {GROUPS}, not {raw['group']!r}")
        if raw["geometry"] not in GEOMETRY_KINDS:
            raise ManifestError(f"{where}: geometry must be one of {GEOMETRY_KINDS}")
        if not isinstance(raw["schematic"], bool):
            raise ManifestError(f"{where}: schematic must be true or false")
        if raw["key_field"] not in raw["required_attributes"]:
            raise ManifestError(f"{where}: key_field {raw['key_field']!r} must be a required attribute")
        try:
            style = Style(**(raw["style"] or {}))
        except TypeError as exc:
            raise ManifestError(f"{where}: style: {exc}") from None
        extra = {k: v for k, v in raw.items() if k not in _REQUIRED_KEYS}
        specs.append(LayerSpec(
            id=raw["id"], title_zh=raw["title_zh"], title_en=raw["title_en"], group=raw["group"],
            geometry=raw["geometry"], path=raw["path"], key_field=raw["key_field"],
            schematic=raw["schematic"], region=tuple(str(r) for r in raw["region"]),
            required_attributes=tuple(raw["required_attributes"]), style=style,
            source=dict(raw["source"]), description_zh=raw["description_zh"],
            description_en=raw["description_en"], extra=extra,
        ))
    return specs


@lru_cache(maxsize=4)
def _load_manifest(path: Path) -> tuple[LayerSpec, ...]:
    with open(path, encoding="utf-8") as fh:
        return tuple(parse_manifest(yaml.safe_load(fh)))


def load_manifest() -> tuple[LayerSpec, ...]:
    return _load_manifest(config.geodata_dir() / "layers.yaml")


def get_spec(layer_id: str) -> LayerSpec:
    for spec in load_manifest():
        if spec.id == layer_id:
            return spec
    raise KeyError(f"unknown layer {layer_id!r}")


def specs_in_group(group: str) -> list[LayerSpec]:
    return [s for s in load_manifest() if s.group == group]
