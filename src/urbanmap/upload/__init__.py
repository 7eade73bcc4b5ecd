"""Staff uploads: read a boundary file safely, validate it for a layer, diff it against the current version.

The agreed interface (issue 7)::

    from urbanmap.upload import validate_upload, diff_layers, UploadOptions, UploadError, ValidatedUpload, Limits

``validate_upload`` raises :class:`UploadError` (``code``, ``message(lang)``,
``detail``, ``choices``) and writes nothing; ``diff_layers`` compares two
GeoDataFrames by key.
"""

from .crs import GCJ02, crs_label, suggest_choices
from .diff import LayerDiff, diff_layers
from .errors import MESSAGES, NOTICES, Notice, UploadError
from .reader import ENCODING_CHOICES, harden_gdal
from .validate import Limits, UploadOptions, ValidatedUpload, layer_region, validate_upload

__all__ = [
    "ENCODING_CHOICES", "GCJ02", "Limits", "LayerDiff", "MESSAGES", "NOTICES", "Notice", "UploadError",
    "UploadOptions", "ValidatedUpload", "crs_label", "diff_layers", "harden_gdal", "layer_region",
    "suggest_choices", "validate_upload",
]
