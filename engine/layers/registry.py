"""The layer registry: layer type name -> class, filled by the :func:`register` decorator.

Each layer module (``conv2d.py``, ``dense.py`` ...) decorates its class with :func:`register`;
:mod:`convlens.engine.layers` imports them all, so that importing any part of the package fills
:data:`REGISTRY`. Tests iterate over it, so a new layer gets its gradient check and ONNX parity test
automatically.
"""

from __future__ import annotations

from typing import Any, TypeVar

from convlens.engine.layers.base import Layer

__all__ = ["REGISTRY", "layer_from_config", "register"]

REGISTRY: dict[str, type[Layer]] = {}
L = TypeVar("L", bound=type[Layer])


def register(cls: L) -> L:
    """Class decorator: make ``cls`` available by its ``type_name`` in architecture JSON."""
    REGISTRY[cls.type_name] = cls
    return cls


def layer_from_config(config: dict[str, Any]) -> Layer:
    """Build an (unbuilt) layer from ``{"type": ..., "name": ..., **hyper-parameters}``.

    Raises
    ------
    ValueError
        Unknown layer type or bad hyper-parameters, with a message naming them.
    """
    if not isinstance(config, dict) or "type" not in config:
        raise ValueError(f"a layer must be an object with a 'type', got {config!r}")
    kind = config["type"]
    cls = REGISTRY.get(kind)
    if cls is None:
        raise ValueError(f"unknown layer type {kind!r}; known types: {', '.join(sorted(REGISTRY))}")
    kwargs = {k: v for k, v in config.items() if k not in ("type", "input_shape", "output_shape", "params")}
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ValueError(f"bad hyper-parameters for {kind}: {exc}") from None
