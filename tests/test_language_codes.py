import pytest

from transforms.language_codes import language_code


@pytest.mark.parametrize('declared, code', [
    ('es', 'es'), ('spa', 'es'), ('SPA', 'es'),             # ISO 639-1, 639-2/3, any case
    ('ger', 'de'), ('deu', 'de'), ('chi', 'zh'), ('fre', 'fr'),  # 639-2 B and T
    ('en-US', 'en'), ('pt_BR', 'pt'), ('zh-Hant-TW', 'zh'), ('es-419', 'es'),  # locales
    (' fr ', 'fr'), ('EN', 'en'), ('English', 'en'),
    ('iw', 'he'), ('in', 'id'), ('cmn', 'zh'),             # withdrawn codes, macrolanguages
    ('fil', 'fil'), ('haw', 'haw'),                         # 639-3 with no 639-1 code
])
def test_declared_codes_are_normalised_to_iso_639_1(declared, code):
  assert language_code(declared) == code


@pytest.mark.parametrize('declared', [None, '', 'mul', 'und', 'zxx', 'x-klingon', 'not a code!'])
def test_tags_naming_no_single_language_give_none(declared):
  assert language_code(declared) is None
