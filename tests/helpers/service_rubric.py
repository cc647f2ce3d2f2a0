"""The rubric shape the learned-criterion tests share, as YAML text: one section (service, 服务)
holding a greeting criterion and one a model may learn."""


def service_rubric(
    rubric_id: str,
    criteria: dict[str, tuple[str, str]],
    *,
    version: str = "1",
    points: int | None = None,
    zh_only: bool = False,
) -> str:
    """Rubric ``rubric_id`` ``version`` with ``criteria`` (id → (name, check as inline YAML)), each
    worth ``points`` when given; ``zh_only``: it applies to Chinese conversations only."""
    lines = [f"id: {rubric_id}", f'version: "{version}"', f"name: {rubric_id} rubric", "language: zh"]
    if zh_only:
        lines.append("applies_to: {languages: [zh]}")
    lines += ["sections:", "  - id: service", "    name: 服务", "    weight: 100", "    criteria:"]
    for criterion_id, (name, check) in criteria.items():
        lines += [f"      - id: {criterion_id}", f"        name: {name}"]
        lines += [f"        points: {points}"] if points is not None else []
        lines.append(f"        check: {check}")
    return "\n".join(lines) + "\n"
