"""Gather an int8 embedding table's rows before dequantising them: the same vectors, ~38 MB less per session.

The MiniLM int8 model stores each embedding table as int8 and turns the whole of it into float
(``Gather(Mul(Cast(table_q), scale), ids)``). onnxruntime's constant folding then keeps the table as
float32: 47 MB for the 30522 × 384 word embeddings, a third of the session. Rewritten as
``Mul(Cast(Gather(table_q, ids)), Gather(scale, ids))`` the int8 table stays int8 (11.7 MB) and only the
rows of the query's tokens are dequantised. Each element goes through the same Cast and the same
float multiplication, so the outputs are identical bit for bit (BENCHMARKS.md, session 8).

The rewrite works on the protobuf wire format directly, so that no `onnx` package is needed at run time:
importing `onnx` costs 0.65 s and 18 MB that would stay in every worker. Only the two levels that
change are decoded (the model's graph and the graph's nodes); every other field, the initializers'
bytes among them, is copied as it is. Field numbers are onnx's (onnx/onnx.proto3):
ModelProto.graph 7; GraphProto.node 1, initializer 5, output 12; NodeProto input 1, output 2, name 3,
op_type 4, attribute 5, domain 7; AttributeProto name 1, i 3; TensorProto dims 1, name 8; ValueInfoProto.name 1.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5  # wire types
_MODEL_GRAPH = 7
_GRAPH_NODE, _GRAPH_INITIALIZER, _GRAPH_OUTPUT = 1, 5, 12
_NODE_INPUT, _NODE_OUTPUT, _NODE_NAME, _NODE_OP_TYPE, _NODE_ATTRIBUTE, _NODE_DOMAIN = 1, 2, 3, 4, 5, 7
_ATTR_NAME, _ATTR_I = 1, 3
_TENSOR_DIMS, _TENSOR_NAME = 1, 8
_VALUE_INFO_NAME = 1


class OnnxRewriteError(ValueError):
    """The model is not the protobuf this rewrite understands."""


# Views, not copies: the graph's payload and its initializers are most of the model's 23 MB.
_Bytes = memoryview


@dataclass(frozen=True)
class _Field:
    number: int
    raw: _Bytes  # the whole field as encoded: key, length if any, value
    value: _Bytes | int  # the payload of a length-delimited or fixed-width field, the number of a varint


@dataclass(frozen=True)
class _Node:
    name: str
    op_type: str
    domain: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    axis: int  # Gather's axis attribute (0 when absent); 0 for any other node
    attributes: bytes  # the attribute fields as encoded (a Cast's target type, copied to the new Cast)


def _varint(data: _Bytes, pos: int) -> tuple[int, int]:
    result, shift = 0, 0
    while True:
        if pos >= len(data):
            raise OnnxRewriteError("truncated varint")
        byte = data[pos]
        result |= (byte & 0x7F) << shift
        pos += 1
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise OnnxRewriteError("varint too long")


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _fields(data: _Bytes) -> list[_Field]:
    """The top-level fields of one message, in their order (groups, unused by onnx, are refused)."""
    fields, pos = [], 0
    while pos < len(data):
        start = pos
        key, pos = _varint(data, pos)
        number, wire_type = key >> 3, key & 7
        value: _Bytes | int
        if wire_type == _VARINT:
            value, pos = _varint(data, pos)
        elif wire_type in (_BYTES, _FIXED64, _FIXED32):
            length = {_FIXED64: 8, _FIXED32: 4}.get(wire_type)
            if length is None:
                length, pos = _varint(data, pos)
            value, pos = data[pos : pos + length], pos + length
        else:
            raise OnnxRewriteError(f"unsupported wire type {wire_type}")
        if pos > len(data):
            raise OnnxRewriteError("truncated field")
        fields.append(_Field(number, data[start:pos], value))
    return fields


def _bytes_field(number: int, payload: bytes) -> bytes:
    return _encode_varint(number << 3 | _BYTES) + _encode_varint(len(payload)) + payload


def _payload(field: _Field) -> _Bytes:
    if isinstance(field.value, int):
        raise OnnxRewriteError(f"field {field.number} is not length-delimited")
    return field.value


def _text(value: _Bytes | int) -> str:
    if isinstance(value, int):
        raise OnnxRewriteError("a string field holds a number")
    return bytes(value).decode("utf-8")


def _parse_node(field: _Field) -> _Node:
    fields = _fields(_payload(field))
    strings = {n: [_text(f.value) for f in fields if f.number == n] for n in (_NODE_NAME, _NODE_OP_TYPE, _NODE_DOMAIN)}
    axis, attributes = 0, [f for f in fields if f.number == _NODE_ATTRIBUTE]
    for attribute in (_fields(_payload(f)) for f in attributes):
        if [_text(f.value) for f in attribute if f.number == _ATTR_NAME] == ["axis"]:
            axis = next((int(f.value) for f in attribute if f.number == _ATTR_I and isinstance(f.value, int)), 0)
    return _Node(
        name=(strings[_NODE_NAME] or [""])[0],
        op_type=(strings[_NODE_OP_TYPE] or [""])[0],
        domain=(strings[_NODE_DOMAIN] or [""])[0],
        inputs=tuple(_text(f.value) for f in fields if f.number == _NODE_INPUT),
        outputs=tuple(_text(f.value) for f in fields if f.number == _NODE_OUTPUT),
        axis=axis,
        attributes=b"".join(bytes(f.raw) for f in attributes),
    )


def _encode_node(name: str, op_type: str, inputs: list[str], outputs: list[str], attribute: bytes = b"") -> bytes:
    payload = b"".join(
        [
            *(_bytes_field(_NODE_INPUT, x.encode()) for x in inputs),
            *(_bytes_field(_NODE_OUTPUT, x.encode()) for x in outputs),
            _bytes_field(_NODE_NAME, name.encode()),
            _bytes_field(_NODE_OP_TYPE, op_type.encode()),
            attribute,
        ]
    )
    return _bytes_field(_GRAPH_NODE, payload)


def _dims(fields: list[_Field]) -> tuple[int, ...]:
    """A TensorProto's dims: packed (as proto3 writes them) or one varint each."""
    dims: list[int] = []
    for field in (f for f in fields if f.number == _TENSOR_DIMS):
        if isinstance(field.value, int):
            dims.append(field.value)
            continue
        pos = 0
        while pos < len(field.value):
            dim, pos = _varint(field.value, pos)
            dims.append(dim)
    return tuple(dims)


def _initializer_shapes(graph: list[_Field]) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {}
    for field in (f for f in graph if f.number == _GRAPH_INITIALIZER):
        tensor = _fields(_payload(field))
        for name in (f for f in tensor if f.number == _TENSOR_NAME):
            shapes[_text(name.value)] = _dims(tensor)
    return shapes


def _graph_outputs(graph: list[_Field]) -> set[str]:
    outputs = (_fields(_payload(f)) for f in graph if f.number == _GRAPH_OUTPUT)
    return {_text(f.value) for output in outputs for f in output if f.number == _VALUE_INFO_NAME}


def _one_scale_per_row(table: tuple[int, ...] | None, scale: tuple[int, ...] | None) -> bool:
    """A 2-D table and a (rows, 1) scale: gathering both with the same ids gives each row its own scale.
    (A scale per column or one for all would need a rewrite that does not gather it: none is made.)"""
    return table is not None and len(table) == 2 and scale == (table[0], 1)


def _gathered_tables(
    nodes: list[_Node], initializers: dict[str, tuple[int, ...]], graph_outputs: set[str]
) -> dict[str, tuple[_Node, _Node]]:
    """Gather nodes (by name) whose table is `Mul(Cast(initializer), scale initializer)` used by them alone.

    Returns each such Gather's Cast and Mul. Only default-domain ops, a Gather on axis 0 and a scale per row
    qualify."""
    producer = {out: node for node in nodes for out in node.outputs}
    uses = Counter(x for node in nodes for x in node.inputs)
    found: dict[str, tuple[_Node, _Node]] = {}
    for gather in nodes:
        if gather.op_type != "Gather" or gather.domain or gather.axis != 0 or len(gather.inputs) != 2:
            continue
        mul = producer.get(gather.inputs[0])
        if mul is None or mul.op_type != "Mul" or mul.domain or len(mul.inputs) != 2:
            continue
        cast = producer.get(mul.inputs[0])
        if cast is None or cast.op_type != "Cast" or cast.domain or len(cast.inputs) != 1:
            continue
        private = uses[mul.outputs[0]] == 1 and uses[cast.outputs[0]] == 1
        per_row = _one_scale_per_row(initializers.get(cast.inputs[0]), initializers.get(mul.inputs[1]))
        if private and per_row and not {cast.outputs[0], mul.outputs[0]} & graph_outputs:
            found[gather.name] = (cast, mul)
    return found


def _gather_first(gather: _Node, cast: _Node, mul: _Node) -> bytes:
    """The four nodes that replace `Gather(Mul(Cast(q), s), ids)`: the same output name, so its users are unchanged."""
    ids, base = gather.inputs[1], gather.name
    return b"".join(
        [
            _encode_node(f"{base}/gather_q", "Gather", [cast.inputs[0], ids], [f"{base}/q_rows"]),
            _encode_node(f"{base}/gather_scale", "Gather", [mul.inputs[1], ids], [f"{base}/scale_rows"]),
            _encode_node(f"{base}/cast", "Cast", [f"{base}/q_rows"], [f"{base}/float_rows"], cast.attributes),
            _encode_node(f"{base}/mul", "Mul", [f"{base}/float_rows", f"{base}/scale_rows"], list(gather.outputs)),
        ]
    )


def _rewrite_graph(payload: _Bytes) -> tuple[bytes, int]:
    """The graph with its dequantised tables gathered first; every other field copied in its place."""
    graph = _fields(payload)
    nodes = {i: _parse_node(f) for i, f in enumerate(graph) if f.number == _GRAPH_NODE}
    names = [n.name for n in nodes.values()]
    if len(set(names)) != len(names) or "" in names:
        raise OnnxRewriteError("the rewrite needs every node named, uniquely")  # it finds the Gathers by name
    tables = _gathered_tables(list(nodes.values()), _initializer_shapes(graph), _graph_outputs(graph))
    dropped = {node.name for cast, mul in tables.values() for node in (cast, mul)}
    out: list[bytes | _Bytes] = []
    for i, field in enumerate(graph):
        node = nodes.get(i)
        if node is not None and node.name in dropped:
            continue
        out.append(_gather_first(node, *tables[node.name]) if node is not None and node.name in tables else field.raw)
    return b"".join(out), len(tables)


def gather_before_dequantising(model: bytes) -> tuple[bytes, int]:
    """The serialised ModelProto `model` with each dequantised embedding table gathered first.

    Returns the new model and how many tables were rewritten (0: the model is returned unchanged).
    Deterministic: the same input gives the same bytes (a test pins the hash of the packaged model's rewrite)."""
    out: list[bytes | _Bytes] = []
    count = 0
    for field in _fields(memoryview(model)):
        if field.number == _MODEL_GRAPH:
            graph, count = _rewrite_graph(_payload(field))
            out.append(_bytes_field(_MODEL_GRAPH, graph))
        else:
            out.append(field.raw)
    return b"".join(out), count
