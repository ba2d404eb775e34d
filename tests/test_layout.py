"""The layout's rules, checked on the code: stage order in imports, short packages."""
import ast
import pathlib

REPO = pathlib.Path(__file__).parents[1]
# The stages in the order items meet them; a stage may import only the
# stages before it and the shared modules (every other transforms module).
STAGES = ('read', 'parse', 'normalize', 'language', 'entities', 'window', 'dedup', 'write')


def _modules():
  for path in sorted((REPO / 'transforms').rglob('*.py')):
    parts = path.relative_to(REPO).with_suffix('').parts
    yield path, parts[1] if len(parts) > 1 else None


def _stage(name):
  return name if name in STAGES else None


def _imported(path):
  tree = ast.parse(path.read_text(encoding='utf-8'))
  for node in ast.walk(tree):
    if isinstance(node, ast.ImportFrom) and node.module:
      names = [node.module] + [f'{node.module}.{alias.name}' for alias in node.names]
    elif isinstance(node, ast.Import):
      names = [alias.name for alias in node.names]
    else:
      continue
    for name in names:
      parts = name.split('.')
      if parts[0] == 'transforms' and len(parts) > 1:
        yield parts[1]


def test_stages_import_only_earlier_stages():
  wrong = []
  for path, top in _modules():
    stage = _stage(top)
    if stage is None:
      continue
    for imported in set(_imported(path)):
      other = _stage(imported)
      if other is not None and STAGES.index(other) > STAGES.index(stage):
        wrong.append(f'{path.relative_to(REPO)} ({stage}) imports {imported}')
  assert not wrong


def test_shared_modules_import_no_later_stage_than_read():
  """Shared modules serve every stage: only the read stage's SourceData is theirs to use."""
  wrong = [f'{path.relative_to(REPO)} imports {imported}'
           for path, top in _modules() if top and _stage(top) is None and top != '__init__'
           for imported in set(_imported(path))
           if _stage(imported) not in (None, 'read')]
  assert not wrong


def test_package_init_files_hold_only_their_docstring():
  for init in (REPO / 'transforms').rglob('__init__.py'):
    body = ast.parse(init.read_text(encoding='utf-8')).body
    assert len(body) == 1 and isinstance(body[0].value, ast.Constant), init
