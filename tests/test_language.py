import pytest

from transforms import language
from transforms.language import LanguageDetector, choose_language, text_for_detection

ENGLISH = ('Moscow will not agree to the deployment of US troops on Russian bases in '
           'Tajikistan and Kyrgyzstan, says a retired general, former head of the main '
           'directorate for international military cooperation of the defence ministry.')
SPANISH = ('El gobierno anunció el martes un nuevo plan para reducir la inflación, que '
           'incluye recortes en el gasto público y un aumento de los impuestos a las '
           'grandes empresas, según informó el ministerio de economía en un comunicado. '
           'La oposición criticó las medidas y pidió un debate en el congreso.')


@pytest.fixture(scope='module')
def detector():
  return LanguageDetector()


def test_detection_is_deterministic_across_detector_instances(detector):
  short = 'Bank holds rates'
  answers = {LanguageDetector().detect(short) for _ in range(3)}
  answers.add(detector.detect(short))
  assert len(answers) == 1


def test_confident_detection_without_declaration(detector):
  choice = choose_language(ENGLISH, None, detector)
  assert (choice.language, choice.detected, choice.reason) == ('en', 'en', 'detected')
  assert choice.probability > 0.99


def test_declared_language_wins_when_detection_is_unsure(detector):
  choice = choose_language('Bolsonaro perde de Haddad', 'pt', detector)
  assert (choice.language, choice.reason) == ('pt', 'declared')


def test_long_confident_text_overrides_a_wrong_declaration(detector):
  choice = choose_language(SPANISH, 'en', detector)
  assert (choice.language, choice.reason) == ('es', 'detected_over_declared')


def test_short_text_without_declaration_is_flagged_unsure(detector):
  choice = choose_language('Oil up', None, detector)
  assert choice.reason == 'detected_unsure'


def test_no_text_gives_und_or_the_declaration(detector):
  assert choose_language('', None, detector).language == 'und'
  assert choose_language('2021 - 1234', None, detector).reason == 'none'
  assert choose_language('', 'fr', detector) == language.LanguageChoice('fr', None, None, 'declared')


def test_chinese_variants_map_to_iso_639_1(detector):
  assert detector.detect('中国国家主席习近平周二在北京会见了来访的外国领导人，双方就双边关系交换了意见。')[0] == 'zh'


def test_text_for_detection_prefers_body():
  assert text_for_detection({'body_text': 'b', 'headline': 'h'}) == 'b'
  assert text_for_detection({'body_text': None, 'headline': 'h',
                             'description_text': 'd'}) == 'h\nd'
