#!/usr/bin/env python3
"""Writes one-change 837P/I/D files, one per IK304/IK403 code the walker and the guide model
produce, on each guide, from the bodies of tests/unit/x12/x12_fixture.cpp. Rerun after a change
of the bodies; expected.tsv is then refreshed with CG_UPDATE_EXPECTED=1 and reviewed."""
import os, re

here = os.path.dirname(os.path.abspath(__file__))
src = open(os.path.join(here, '../../../tests/unit/x12/x12_fixture.cpp')).read()

def body(name):
    block = src[src.index(f'std::vector<std::string> {name}()'):]
    block = block[:block.index('};')]
    return re.findall(r'"([^"]*)"', block)

guides = {'837p': ('005010X222A1', body('professional_body')),
          '837i': ('005010X223A2', body('institutional_body')),
          '837d': ('005010X224A2', body('dental_body'))}

def interchange(guide, segs):
    isa = ('ISA*00*          *00*          *ZZ*SUBMITTERID    *ZZ*RECEIVERID     *240115*1200*^*00501*'
           '000000001*0*P*:~')
    out = [isa, f'GS*HC*SUBMITTERID*RECEIVERID*20240115*1200*1*X*{guide}', f'ST*837*0001*{guide}']
    out += segs
    out += [f'SE*{len(segs) + 2}*0001', 'GE*1*1', 'IEA*1*000000001']
    return out[0] + '\n' + '~\n'.join(out[1:]) + '~\n'

def find(segs, prefix):
    return next(i for i, s in enumerate(segs) if s.startswith(prefix))

def sub(segs, prefix, new):
    s = list(segs); s[find(s, prefix)] = new; return s

def insert_after(segs, prefix, new):
    s = list(segs); s.insert(find(s, prefix) + 1, new); return s

def swap(segs, a, b):
    s = list(segs); i, j = find(s, a), find(s, b); s[i], s[j] = s[j], s[i]; return s

def drop(segs, prefix):
    s = list(segs); del s[find(s, prefix)]; return s

foreign = {'837p': 'SV2*0450*HC:99284*100*UN*1', '837i': 'SV1*HC:99213*100*UN*1***1',
           '837d': 'SV1*HC:99213*100*UN*1***1'}
for name, (guide, b) in guides.items():
    clm = b[find(b, 'CLM*')]
    service = next(s for s in b if s[:3] in ('SV1', 'SV2', 'SV3'))
    cases = {
        # IK304 (segment)
        'ik304_1_unrecognized_segment': insert_after(b, 'CLM*', 'ZZQ*1'),
        'ik304_2_service_without_lx': drop(b, 'LX*'),
        'ik304_3_2010aa_n3_missing': drop(b, 'N3*1'),
        'ik304_5_second_service_in_a_line': insert_after(b, service[:4], service),
        'ik304_6_segment_of_another_set': insert_after(b, 'CLM*', 'CLP*X*1*1*1'),
        'ik304_8_element_errors': sub(b, 'DMG*', 'DMG*D8*19801301*M'),
        'ik304_i4_segment_not_used_by_guide': insert_after(drop(b, service[:4]), 'LX*', foreign[name]),
        # IK403 (element)
        'ik403_1_required_element_missing': sub(b, 'NM1*85*', 'NM1*85**CLINIC*****XX*1234567893'),
        'ik403_3_too_many_elements': sub(b, 'N3*1', b[find(b, 'N3*1')] + '*SUITE 1*EXTRA'),
        'ik403_4_too_short': sub(b, 'NM1*PR*', 'NM1*PR*2*ACME*****PI*8'),
        'ik403_5_too_long': sub(b, 'CLM*', 'CLM*' + 'A' * 39 + clm[clm.index('*', 4):]),
        'ik403_6_invalid_character': sub(b, 'CLM*', clm.replace('*', '*1X', 2).replace('*1X', '*', 1)),
        'ik403_7_invalid_code': sub(b, 'DMG*', 'DMG*D8*19800101*X'),
        'ik403_8_invalid_date': sub(b, 'DMG*', 'DMG*D8*19800231*M'),
        'ik403_9_invalid_time': sub(b, 'BHT*', 'BHT*0019*00*244579*20240115*2575*CH'),
        'ik403_13_too_many_components': sub(b, 'CLM*', clm.replace(':1*', ':1:9*', 1)),
        'ik403_i10_element_not_used': sub(b, 'NM1*IL*', 'NM1*IL*1*SUBSCRIBER*TEST****MI*M123*01'),
        'ik403_i12_hl_numbering': [s.replace('HL*1**', 'HL*3**').replace('HL*2*1*', 'HL*2*3*') for s in b],
    }
    lx = find(b, 'LX*1')
    line_date = next((s for s in b[lx:] if s.startswith('DTP*472')), None) or next(s for s in b if s.startswith('DTP*472'))
    # A date the guide takes in a line but not in loop 2300 (837D: DTP*441, prior placement).
    line_only_date = 'DTP*441*D8*20200101' if name == '837d' else 'DTP*472*D8*20240110'
    model = {
        # IK304 from the loop structure of the maps
        'ik304_2_segment_not_in_loop': insert_after(b, 'NM1*PR*', 'AMT*F5*10'),
        'ik304_3_required_by_the_model': drop(b, 'PER*IC*'),
        'ik304_4_loop_repeat_exceeded': insert_after(b, 'REF*EI*', 'NM1*85*2*CLINIC TWO*****XX*1234567893'),
        'ik304_5_segment_max_use_exceeded': insert_after(b, line_date, line_date),
        'ik304_7_segment_out_of_sequence': swap(b, 'N3*1', 'N4*NASHVILLE*TN*372031234'),
        # IK403 from the place the segment matched and from the syntax notes
        'ik403_2_conditional_element_missing': sub(b, 'N4*NASHVILLE*TN*372031234', 'N4*NASHVILLE**372031234****ON'),
        'ik403_10_exclusion_violated': sub(b, 'N4*NASHVILLE*TN*372031234', 'N4*NASHVILLE*TN*372031234*CA***ON'),
        'ik403_7_code_of_another_place': insert_after(b, 'CLM*', line_only_date),
    }
    cases.update(model)
    if name == '837d':  # the dental segments: tooth surface, oral cavity, tooth status
        cases.update({
            'ik403_7_tooth_surface': sub(b, 'TOO*', 'TOO*JP*30*M:X'),
            'ik403_7_oral_cavity_area': sub(b, 'SV3*', 'SV3*AD:D2391*200**77**1*****1:2'),
            'ik403_1_tooth_number_missing': sub(b, 'TOO*', 'TOO*JP**M:O'),
            'ik304_5_tooth_information_max_use': b[:find(b, 'TOO*') + 1] + ['TOO*JP*30*M:O'] * 32,
            'ok_dental_segments': insert_after(insert_after(insert_after(
                b, 'DTP*472*', 'DN2*1*M****JP'), 'DTP*472*', 'DN1*24*12'), 'TOO*', 'DTP*441*D8*20200101'),
        })
    # Passing cases: what the guide allows must stay clean.
    passing = {
        'ok_clean': b,
        'ok_situational_segment_left_out': drop(b, 'DMG*'),  # 2010BA DMG is situational
        'ok_foreign_address_syntax_notes_hold': sub(b, 'N4*NASHVILLE*TN*372031234', 'N4*TORONTO**M5V2T6*CA***ON'),
    }
    cases.update(passing)
    os.makedirs(os.path.join(here, name), exist_ok=True)
    for case, segs in cases.items():
        with open(os.path.join(here, name, case + '.x12'), 'w') as f:
            f.write(interchange(guide, segs))
    # Tolerated: a UTF-8 byte order mark and CR LF line breaks.
    with open(os.path.join(here, name, 'ok_bom_and_crlf.x12'), 'wb') as f:
        f.write(b'\xef\xbb\xbf' + interchange(guide, b).replace('\n', '\r\n').encode())
