import pytest

from transforms.normalize.headlines import split_headline


@pytest.mark.parametrize('raw, text, flags, number', [
    ('REFILE-UPDATE 2-Oil falls on demand worries', 'Oil falls on demand worries', ['REFILE', 'UPDATE'], 2),
    ('URGENT: Quake hits Japan', 'Quake hits Japan', ['URGENT'], None),
    ('FLASH - Putin says', 'Putin says', ['FLASH'], None),
    ('EXCLUSIVE-Fed weighs pause', 'Fed weighs pause', ['EXCLUSIVE'], None),
    ('CORRECTED-US jobs grow (Corrects figure)', 'US jobs grow (Corrects figure)', ['CORRECTED'], None),
    ('CORRECTION: Bank names chief', 'Bank names chief', ['CORRECTED'], None),
    ('WRAPUP 3-Storm hits coast', 'Storm hits coast', ['WRAPUP'], 3),
    ('BREAKING NEWS: Market halts', 'Market halts', ['BREAKING'], None),
    ('URGENT Quake hits Japan', 'Quake hits Japan', ['URGENT'], None),
    ('UPDATE 2-OIL FALLS', 'OIL FALLS', ['UPDATE'], 2),
    ('BULLETIN - TIN PRICE MAY RISE', 'TIN PRICE MAY RISE', ['BULLETIN'], None),
    # Upper-case headlines: a leading word with no separator is the headline's own.
    ('BULLETIN SAYS TIN PRICE MAY RISE', 'BULLETIN SAYS TIN PRICE MAY RISE', [], None),
    ('UPDATE SEEN ON TRADE TALKS', 'UPDATE SEEN ON TRADE TALKS', [], None),
    ('CORRECTED-HECLA <HL> TO BUY MINE STAKE', 'HECLA <HL> TO BUY MINE STAKE', ['CORRECTED'], None),
    ('RPT-INSITUFORM <INSUA> NET', 'INSITUFORM <INSUA> NET', ['REPEAT'], None),
    # Left alone: not a flag, or nothing after it.
    ('Update on peace talks', 'Update on peace talks', [], None),
    ('Urgent care clinics close', 'Urgent care clinics close', [], None),
    ('URGENT', 'URGENT', [], None),
    ('Another expert believes that such cooperation is possible',
     'Another expert believes that such cooperation is possible', [], None),
])
def test_split_headline(raw, text, flags, number):
  headline = split_headline(raw)
  assert (headline.text, headline.flags, headline.update_number) == (text, flags, number)
