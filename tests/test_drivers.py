"""Driver classification of A-11 question texts, checked against every question in the real files."""
import csv
import re
from pathlib import Path

import pytest

from importers.drivers import DRIVERS, classify_question, classify_questions
from tests.helpers import SHARED_DATA

DATA = SHARED_DATA
COLLECTIONS_CSV = DATA / "omb-cx-reporting-collections-fy2021.csv"
TRUST_CSV = DATA / "hisp-trust-fy2021q1-fy2023q1.csv"

OMB_CONTEXT_COLUMNS = (
    "attributes_organization_name",
    "attributes_organization_abbreviation",
    "attributes_service_provider_name",
    "attributes_service_name",
    "attributes_service_provided",
)
HISP_CONTEXT_COLUMNS = ("organization_name", "service_provider_name", "service_name", "service_provided")

# Names of programs/offices that appear inside question texts and contain driver words,
# but are not always the row's own provider/service name.
NAMES_WITH_DRIVER_WORDS = (
    "Bureau of Trust Funds Administration",
    "Bureau of Trust Funds Adminiatration",
    "Trust Beneficiary Call Center",
    "Office of the Special Trustee for American Indians",
    "Division of Energy Employees Occupational Illness Compensation",
    "Employee Benefits Security Administration",
)


def key(text: str) -> str:
    return " ".join(text.split())


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def real_questions() -> list[tuple[str, tuple[str, ...], str]]:
    """(question text, context names of its row, where) for every non-empty question in both files."""
    found = []
    for row in _read(COLLECTIONS_CSV):
        names = tuple(row[c] for c in OMB_CONTEXT_COLUMNS)
        for i in range(1, 12):
            text = row[f"attributes_q{i}_text"]
            if text.strip():
                found.append((text, names, f"omb id={row['id']} q{i}"))
    for n, row in enumerate(_read(TRUST_CSV), start=2):
        text = row["question_text"]
        if text.strip():
            found.append((text, tuple(row[c] for c in HISP_CONTEXT_COLUMNS), f"hisp line {n}"))
    return found


# What each distinct real question measures, read by a human (keys: whitespace collapsed).
EXPECTED_BY_DRIVER = {
    "satisfaction": (
        '7) Information provided to you by the FEMA representative or through your online account. Please rate the information on: Overall satisfaction with the information',
        '8) Customer Service: Please rate the [FEMA representative] [FEMA Inspector] on: Overall customer service',
        '8) Level of service provided by the FEMA representative on: Overall customer service',
        'How Satisfied are you with your overall experience on Healthcare.gov?',
        'How satisfied are you with your overall experience today on Medicare.gov?',
        'How satisfied are you with your visit to farmers.gov today?',
        'How satisfied are you with your visit to the website today?',
        'How satisfied were you with the information provided to you by the agent?',
        'How would you rate your overall experience with Medicare Customer Service',
        "I am satisfied with VA's Higher-Level Review Process.",
        "I am satisfied with VA's Supplemental Claim process.",
        'I am satisfied with my experience filing a <Higher-Level Review OR Supplemental Claim> request.',
        'I am satisfied with my experience with the TSA Contact Center',
        'I am satisfied with the filing experience using TEAS.',
        'I am satisfied with the office action I received.',
        'I am satisfied with the service I received from DEEOIC.',
        'I am satisfied with the service I received from HUD Headquarters.',
        'I am satisfied with the service I received from IRS.gov.',
        'I am satisfied with the service I received from OPM Retirement Services.',
        'I am satisfied with the service I received from Recreation.gov',
        'I am satisfied with the service I received from Services Online.',
        'I am satisfied with the service I received from USA JOBS.',
        'I am satisfied with the service I received from USAJOBS.',
        'I am satisfied with the service I received from the Homeownership Center.',
        'I am satisfied with the service I received from the IRS',
        'I am satisfied with the service I received from the NSC contracting staff.',
        'I am satisfied with the service I received from the National Passport Information Center',
        'I am satisfied with the service I received from the National Servicing Center.',
        'I am satisfied with the service I received from the Passport Services web pages on Travel.State.Gov..',
        'I am satisfied with the service I received from the SBA.',
        'I am satisfied with the service I received from the Social Security Administration',
        'I am satisfied with the service I received from the Trust Beneficiary Call Center.',
        'I am satisfied with the service I received from the USCIS Contact Center.',
        'I am satisfied with the service I received from the VA Call Center',
        'I am satisfied with the service I received from the VA Call Center.',
        'I am satisfied with the service I received from the VA.',
        'I am satisfied with the service I received from the online tax account tool',
        'I was satisfied with the assistance I received from my school when submitting my Certificate of Eligibility.',
        'If I had an issue with my education benefits, I was satisfied with the assistance that I received from VA.',
        'Overall, how satisfied were you with the service provided to you today?',
        'Please rate your overall satisfaction with the Health Insurance Marketplace Call Center based on your most recent call',
        "Using a 10-point scale on which '1' means 'very dissatisfied' and 10 means 'very satisfied', how satisfied are you with your experience using fafsa.gov? (FAFSA.gov)",
        "Using a 10-point scale on which '1' means 'very dissatisfied' and 10 means 'very satisfied', how satisfied are you with your experience using the myStudentAid app? (myStudentAid App mobile FAFSA)",
        'Using a 10-point scale on which “1” means “very dissatisfied” and 10 means “very satisfied”, how satisfied are you with your experience using fafsa.gov? (FAFSA.gov)',
        'Using a 10-point scale on which “1” means “very dissatisfied” and 10 means “very satisfied”, how satisfied are you with your experience using the myStudentAid app? (myStudentAid App mobile FAFSA)',
        'What is your overall satisfaction with this mobile site?',
        'What is your overall satisfaction with this site?',
        'What is your overall satisfaction with this telephone customer service experience?',
        'What is your overall satisfaction with your customer service experience?',
    ),
    "trust": (
        "Based on my recent experience completing the online application, I trust Social Security to meet the public's needs.",
        "Based on my recent experience, I trust Social Security to meet the public's needs.",
        'Do you agree or disagree with the following statement: "I trust that the information on USA.gov is correct." (Response required)',
        'How strongly do you agree about each of the following features of the website? The information is trustworthy',
        "I trust DEEOIC to fulfill our country's commitment to nuclear workers and their families.",
        "I trust DEEOIC to fulfill our country's commitment to our nuclear weapons employees and contractors.",
        'I trust VA to effectively administer my education benefits.',
        "I trust VA to fulfill our country's commitment to Veterans.",
        'I trust VA to fulfill our country’s commitment to Veterans',
        'I trust VA to fulfill our country’s commitment to Veterans.',
        'Interaction increased trust in Bureau of Trust Funds Administration',
        'My experiences in the Voluntary Protection Program have increased my trust in the Occupational Safety and Health Administration.',
        'My interaction increased my confidence in the Office of the Special Trustee for American Indians.',
        'My interaction increased my trust in the Bureau of Trust Funds Adminiatration.ed my trust in the Bureau of Trust Funds Administration',
        'My interaction increased my trust in the Bureau of Trust Funds Administration',
        'My interaction increased trust in the Bureau of Trust Funds Administration.eded my trust in the Bureau of Trust Funds Administration',
        'My interaction with TESS increased my trust in the USPTO.',
        'Please rate your confidence in USPTO as a result of this customer service experience.',
        'Please rate your confidence in USPTO as a result of this customer service experience. (1=not at all confident, 10=very confident)',
        'Please rate your level of confidence in the Trademark Assistance Center.',
        'The interactions and process leading to the most recent Final Decision increased my trust in the Division of Energy Employees Occupational Illness Compensation (DEEOIC).',
        'The process leading up to receiving a decision on my initial home health care claim increased my trust in the Division of Energy Employees Occupational Illness Compensation (DEEOIC).',
        'The process leading up to receiving my Development Letter increased my trust in the Division of Energy Employees Occupational Illness Compensation (DEEOIC)',
        'The process leading up to receiving reimbursement for travel increased my trust in the Division of Energy Employees Occupational Illness Compensation (DEEOIC).',
        'This interaction increased my confidence in CareerOneStop.',
        'This interaction increased my confidence in FAFSA',
        'This interaction increased my confidence in FEMA.',
        'This interaction increased my confidence in HUD Headquarters.',
        'This interaction increased my confidence in OPM Retirement Services.',
        'This interaction increased my confidence in Recreation.gov',
        'This interaction increased my confidence in Services Online',
        'This interaction increased my confidence in Services Online OPM Retirement Services.',
        'This interaction increased my confidence in Services Online.',
        'This interaction increased my confidence in TSA',
        'This interaction increased my confidence in USA JOBS.',
        'This interaction increased my confidence in USAJOBS.',
        'This interaction increased my confidence in the Homeownership Center.',
        'This interaction increased my confidence in the National Servicing Center.',
        'This interaction increased my confidence in the Occupational Safety and Health Administration.',
        'This interaction increased my confidence in the SBA.',
        'This interaction increased my confidence in the Social Security Administration',
        'This interaction increased my confidence in the U.S. Fish and Wildlife Service to provide welcoming and safe recreational opportunities.',
        'This interaction increased my confidence in the USCIS Contact Center 1-800 Number.',
        'This interaction increased my confidence in the USPTO.',
        'This interaction increased my trust in DEEOIC',
        'This interaction increased my trust in DEEOIC.',
        'This interaction increased my trust in OPM Retirement Services.',
        'This interaction increased my trust in the Federal hiring process.',
        'This interaction increased my trust in the IRS',
        'This interaction increased my trust in the IRS.',
        'This visit increased my confidence in the website.',
        'This visit increased my trust in farmers.gov.',
        '¿Está de acuerdo en que confía en que la información en USAGov en Español es correcta? (Requiere una respuesta) TRANSLATION: "Do you agree that you trust the information in USAGov en Español to be correct? (Requires an answer)',
    ),
    "effectiveness": (
        '15) How would you rate FEMA financial assistance in: Helping meet your disaster related needs?',
        '2) Level of service provided by the FEMA representative on: Answering your questions',
        '3) Information provided to you [by the FEMA representative] [through your online account]: Please rate the information on: Being helpful in your recovery',
        '4) Information provided to you [by the FEMA representative] [through your online account]. Please rate the information on: Being helpful in your recovery',
        'Desktop and Mobile: Please rate the usefulness of the search tool provided on this site (very).',
        'Did you accomplish what you wanted to today?',
        'Have you been able to obtain enough information to determine next steps? (My need was addressed)',
        'I found the GI Bill Comparison Tool useful when planning my budget for school.',
        'I found the VA websites helpful in informing me about my education benefits',
        'I found the VA websites helpful in informing me about my education benefits.',
        'I was able to accomplish what I wanted to do on Recreation.gov',
        'I was able to find or complete what I needed to today.',
        'My need was addressed',
        'My need was addressed by OPM Retirement Services.',
        'My need was addressed.',
        "On a scale from 1 to 10, where '1' means 'poor' and '10' means 'excellent', how would you rate how useful the help was (FAFSA.gov)",
        "On a scale from 1 to 10, where '1' means 'poor' and '10' means 'excellent', how would you rate the effectiveness of the help topics answering your questions? (myStudentAid App mobile FAFSA)",
        'On a scale from 1 to 10, where “1” means “poor” and “10” means “excellent”, how would you rate how useful the help was (FAFSA.gov)',
        'On a scale from 1 to 10, where “1” means “poor” and “10” means “excellent”, how would you rate the effectiveness of the help topics answering your questions? (myStudentAid App mobile FAFSA)',
        'Please rate your agreement with the statement: I now know which action to take to resolve my need or issue following my call.',
        "Please rate your agreement with the statement: I now know which action to take to resolve my need or issue following my call. (1=strongly disagree, 10=strongly agree, or don't know)",
        'The extent to which my issue or request was resolved.',
        'The online tax account tool met my needs',
        'The phone representative answered my question on the issue I recently called about',
        'The phone representative answered my question on the issue I recently called about.',
        'The response provided resolution to my inquiry',
        'The website helped me do what I needed to do.',
        'Were you able to successfully [action] today?',
        'Were you able to successfully complete the activity you came to do during your visit today?',
        "aOn a scale from 1 to 10, where '1' means 'poor' and '10' means 'excellent', how would you rate the effectiveness of the help topics answering your questions? (myStudentAid App mobile FAFSA)",
    ),
    "ease": (
        '11) Automated Information System: How would you rate the Automated System on: Being easy to use',
        '24) Customer Service and Expectations: How would you rate FEMA on…Easy access to services',
        'How easy it was to reach a representative.',
        'How easy or difficult was it for you to do the activity you came to do?',
        'How easy would you say it was for you to [action] on Medicare.gov today?',
        "How would you rate your agreement with the following statement? I found it easy to complete what I needed to do. (1=strongly disagree, 10=strongly agree, or don't know)",
        'I found the process of applying for my benefits to be easy.',
        'I was easily able to access the website on my device.',
        'It was easy to complete what I needed to do',
        'It was easy to complete what I needed to do with OPM Retirement Services.',
        'It was easy to complete what I needed to do.',
        'It was easy to contact the TSA Contact Center',
        'It was easy to find or complete what I needed to today.',
        'It was easy to find the help I needed to select which decision review option was best for my claim.',
        'It was easy to find what I needed',
        'It was easy to identify what evidence I needed to support my Supplemental Claim.',
        "On a scale from 1 to 10, where '1' means 'poor' and '10' means 'excellent', how would you rate The ease of navigating through the application. (FAFSA.gov)",
        "On a scale from 1 to 10, where '1' means 'poor' and '10' means 'excellent', how would you rate The ease of navigating through the application. (myStudentAid App mobile FAFSA)",
        'On a scale from 1 to 10, where “1” means “poor” and “10” means “excellent”, how would you rate The ease of navigating through the application. (FAFSA.gov)',
        'On a scale from 1 to 10, where “1” means “poor” and “10” means “excellent”, how would you rate The ease of navigating through the application. (myStudentAid App mobile FAFSA)',
    ),
    "efficiency": (
        '14) How would you rate FEMA financial assistance in: Arriving in a reasonable amount of time',
        "9) FEMA's toll free number: How satisfied were you with the amount of time it took for a FEMA representative to answer your call?",
        '9) How satisfied were you with the amount of time it took for a FEMA representative to answer your call?',
        'After I submitted my application for benefits, I received my Certificate of Eligibility within the expected time frame.',
        'After being conneced to a representative, the amount of time I was on the phone.',
        'After being connected to a representative, the amount of time I was on the phone.',
        'Are you satisfied with how long it took you to get through to a representative?',
        'How would rate the time it took you to get through to a customer service representative who helped you?',
        'How would you rate your agreement with the following statement? I found that the amount of time to complete what I needed to do for each step was reasonable.',
        "How would you rate your agreement with the following statement? I found that the amount of time to complete what I needed to do for each step was reasonable. (1=strongly disagree, 10=strongly agree, or don't know)",
        'I receive my education benefits timely (i.e., Tuition & Fees, Yellow Ribbon, BAH, and Books & Supplies).',
        'I received the results of my Higher-Level Review in a reasonable amount of time.',
        'I received the results of my Supplemental Claim in a reasonable amount of time.',
        'If you requested to speak to an agent, please rate your wait time.',
        'It took a reasonable amount of time to do what I needed to do',
        'It took a reasonable amount of time to do what I needed to do to allow for my Final Decision to be issued.',
        'It took a reasonable amount of time to do what I needed to do with OPM Retirement Services.',
        'It took a reasonable amount of time to do what I needed to do.',
        'It took a reasonable amount of time to find or complete what I needed to today.',
        "On a scale of 1 to 10, where '1' means 'poor' and '10' means 'excellent', how would you rate The time it took to answer your question. (FAFSA.gov)",
        'On a scale of 1 to 10, where “1” means “poor” and “10” means “excellent”, how would you rate The time it took to answer your question. (FAFSA.gov)',
        'The agent responded to my inquiry quickly',
        'The length of time it took to get connected to a phone representative was reasonable',
        'The length of time it took to get connected to a phone representative was reasonable.',
    ),
    "transparency": (
        '1) Information provided during the application process on: Being easy to understand',
        '1. After submitting my benefits application, I understood the education benefits I was entitled to. 2. After submitting my application, I understood how and when I would receive my benefits. 3. I understood how to get information about the status of my education benefits application.',
        'After enrolling in school, I know how and when I will receive my benefits.',
        'After receiving my education benefits, I understand how to receive education benefits in the future.',
        'After submitting my application, I understood how and when I would receive my benefits.',
        'After submitting my benefits application, I understood the education benefits I was entitled to.',
        "Guidance and communications I've received from the USPTO were clear and simple to understand.",
        'I easily understood the response I received',
        'I knew where to look for status updates about my Supplemental Claim while I waited for a decision.',
        'I knew which form I needed for the decision review option that I chose.',
        'I understand where to find information regarding the amount of my education benefits.',
        'I understood how to get information about the status of my education benefits application.',
        'I understood how to submit my Certificate of Eligibility to my school.',
        'I understood the information on farmers.gov today.',
        'I understood the information on the website today.',
        'I understood the need for a VA examination to support my Supplemental Claim.',
        'I understood what was being asked of me throughout my visit to Recreation.gov',
        'I understood what was being asked of me throughout the process.',
        'I was treated fairly',
        'I was treated fairly.',
        'It was easy to understand what information was needed to complete the decision review form.',
        'OPM Retirement Services treated me fairly.',
        'Please rate the clarity of the writing in the office action.',
        'The <Selection from Question 2> clearly explained the available decision review options.',
        'The <Selection from Question 3> clearly communicated the available decision review options.',
        'The [Self-Reported Assistance Type] clearly explained the available decision review options. The <Selection from Question 3> clearly communicated the available decision review options.',
        'The information provided by the phone representative was explained in terms I could understand',
        'The information provided by the phone representative was explained in terms I could understand.',
        'The information provided during the call helped me feel that I have a better understanding of my issue and next steps.',
        'The information provided was clear.',
        'Thinking now about your general experience with using the automated telephone system, how would you rate the clearness of the instructions?',
        'VA notification letter clearly explained the reasons and bases for my Higher-Level Review decision.',
        "VA's notification letter about my Higher-Level Review made it clear that I had additional options if I wanted further review of VA’s decision on my claim.",
        'VA’s notification letter clearly explained the reasons and bases for my Supplemental Claim decision.',
        'When I enrolled in school, I understood that my education benefits may vary depending on changes to my enrollment (i.e., adjusting my course level).',
        'When VA called me or met with me for an informal conference to discuss my claim, I understood that the purpose is to identify any errors of law or fact in my prior claim decision.',
        'When VA called me or met with me for an informal conference to discuss my claim, I understood that the purpose is to identify any errors of law or fact in my prior claim decision. VA’s notification letter about my Higher-Level Review made it clear that I had additional options if I wanted further review of VA’s decision on my claim.',
    ),
    "employee": (
        '23) Customer Service and Expectations: How would you rate FEMA on providing…Caring customer service',
        '6) Customer Service: Please rate the [FEMA representative] [FEMA Inspector] on: Courtesy',
        '6) Level of service provided by the FEMA representative on: Courtesy',
        '7) Customer Service: Please rate the [FEMA representative] [FEMA Inspector] on: Showing interest in helping',
        '7) Level of service provided by the FEMA representative on: Showing interest in helping',
        'DEEOIC employees I interacted with were helpful.',
        'Employees I interacted with were helpful',
        'Employees I interacted with were helpful.',
        'How professional was the agent you spoke with?',
        'How would you rate the ability of the customer service representative who just assisted you to answer your questions?',
        "How would you rate the customer service representative's knowledge of your coverage options",
        "How would you rate the person's ability to give you a clear answer to your questions?",
        "How would you rate the person's ability to understand your question or concern?",
        "How would you rate the person's knowledge of the Medicare system?",
        'OPM Retirement Services Personnel were helpful.',
        'OPM Retirement Services personnel were helpful.',
        "On a scale of 1 to 10, where '1' means 'poor' and '10' means 'excellent', how would you rate the Courtesy of the representative who helped you.",
        "On a scale of 1 to 10, where '1' means 'poor' and '10' means 'excellent', how would you rate the Courtesy of the representative who helped you. (FAFSA.gov)",
        'On a scale of 1 to 10, where “1” means “poor” and “10” means “excellent”, how would you rate the Courtesy of the representative who helped you.',
        'On a scale of 1 to 10, where “1” means “poor” and “10” means “excellent”, how would you rate the Courtesy of the representative who helped you. (FAFSA.gov)',
        'The Contact Center was professional, courteous, and friendly',
        'The Resource Center employees, if applicable, were committed to solving my problem',
        'The employees I interacted with were helpful',
        'The employees I interacted with were helpful.',
        'The examining attorney I interacted with was helpful.',
        'The phone representative treated me with courtesy and respect.',
        'The representative I interacted with was able to understand my question or issue.',
        'The representative I interacted with was helpful..',
        'When VA called me or met with me for an informal conference to discuss my claim, the VA decision maker that conducted my informal conference was helpful.',
        'When thinking about the customer service representative who assisted you in the contact center, how would you rate the agent on their helpfulness?',
        "When thinking about the customer service representative who assisted you in the contact center, how would you rate the agent on their helpfulness? (1=strongly disagree, 10=strongly agree, or don't know)",
        'When thinking about the customer service representative who assisted you in the contact center, how would you rate the agent on their professionalism?',
        "When thinking about the customer service representative who assisted you in the contact center, how would you rate the agent on their professionalism? (1=strongly disagree, 10=strongly agree, or don't know)",
    ),
}

# Questions that cannot be placed on one A-11 driver (placeholders, NPS/likelihood, expectations,
# "opportunities for improvement", two statements in one cell, ...).
UNPLACEABLE = frozenset({
    '1. When I enrolled in school, I understood that my education benefits may vary depending on changes to my enrollment (i.e., adjusting my course level). 2. If I had an issue with my education benefits, I was satisfied with the assistance that I received from VA.',
    '27) Customer Service and Expectations: How would you rate FEMA…On meeting your expectations',
    'Based on the service provided to you today, which, if any, of the following areas are there opportunities for improvement? General customer service.',
    'Based on the service provided to you today, which, if any, of the following areas are there opportunities for improvement? Improve language in correspondence.',
    "Based on the service provided to you today, which, if any, of the following areas are there opportunities for improvement? Technical Training, such as the Energy Program's regulations and procedures.",
    'Desktop and Mobile: Please rate how well the site is organized (very).',
    'How confident are you that you could or did enroll in a plan that meets your health and financial needs?',
    'How likely are you to recommend HealthCare.gov to family or friends who need health insurance?',
    'How likely are you to recommend the National Passport Information Center?',
    'How likely are you to use this site as your primary resources for getting information on Medicaid?',
    'How likely are you to use this site as your primary source of information (likely)',
    'How likely will you be to return to Medicare.gov if you need information about Medicare in the future?',
    'How would you rate your interaction with the automated phone system',
    'I felt that VA met its Duty to Assist requirements by gathering all of the identified evidence for my Supplemental Claim.',
    'If you have used our website, Healthcare.gov, please rate your most recent experience',
    'If you have used our website, Medicare.gov, please rate your most recent experience.',
    'Imagine the ideal Web site for applying for federal student aid. How well do you think fafsa.gov compares with the ideal you just imagined? Use a 10-point scale on which "1" means "not very close to the ideal," and "10" means "very close to the ideal.” (FAFSA.gov)',
    "Imagine the ideal Web site for applying for federal student aid. How well do you think fafsa.gov compares with the ideal you just imagined? Use a 10-point scale on which '1' means 'not very close to the ideal,' and '10' means 'very close to the ideal.' (FAFSA.gov)",
    'Imagine your ideal for an app to apply for federal student aid. How well do you think the myStudentAid app compares with the ideal you just imagined? Use a 10-point scale on which "1" means "not very close to the ideal," and "10" means "very close to the ideal.” (myStudentAid App mobile FAFSA)',
    "Imagine your ideal for an app to apply for federal student aid. How well do you think the myStudentAid app compares with the ideal you just imagined? Use a 10-point scale on which '1' means 'not very close to the ideal,' and '10' means 'very close to the ideal.' (myStudentAid App mobile FAFSA)",
    'My need was addressed. It was easy to complete what I needed to do.',
    'N/A',
    'NONE',
    'No Question',
    'None',
    'On a scale of 1 to 10, with 10 being extremely likely, would you refer SBA to a friend of colleague?',
    'On a scale of 10 to 10, with 10 being extremely likely, would you refer SBA to a friend of colleague?',
    "Using a 10-point scale on which '1' now means 'Falls Short of your Expectations' and '10' means 'Exceeds your Expectations', to what extent did your experience using the myStudentAid App meet your expectations? (myStudentAid App mobile FAFSA)",
    'Using a 10-point scale on which “1” now means “Falls Short of your Expectations” and “10” means “Exceeds your Expectations”, to what extent did your experience using the myStudentAid App meet your expectations? (myStudentAid App mobile FAFSA)',
    "Using a scale of 1 to 10 where '1' means 'not at all likely' and '10' means 'very likely', how likely would you be to use the Web site to apply for federal student aid in the future? (FAFSA.gov)",
    "Using a scale of 1 to 10 where '1' means 'not at all likely' and '10' means 'very likely', how likely would you be to use the myStudentAid App to apply for federal student aid in the future? (myStudentAid App mobile FAFSA)",
    'Using a scale of 1 to 10 where “1” means “not at all likely” and “10” means “very likely”, how likely would you be to use the Web site to apply for federal student aid in the future? (FAFSA.gov)',
    'Using a scale of 1 to 10 where “1” means “not at all likely” and “10” means “very likely”, how likely would you be to use the myStudentAid App to apply for federal student aid in the future? (myStudentAid App mobile FAFSA)',
    'What is your role in connection to the Energy program',
    'What was the reason for your call?',
    'Would you give the 1-800 MEDICARE number to a friend (yes or no)',
    'none',
})

EXPECTED: dict[str, str | None] = {q: d for d, qs in EXPECTED_BY_DRIVER.items() for q in qs}
EXPECTED.update(dict.fromkeys(UNPLACEABLE))


def test_drivers_constant():
    assert DRIVERS == ("satisfaction", "trust", "effectiveness", "ease", "efficiency", "transparency", "employee")


def test_expected_table_is_consistent():
    assert set(EXPECTED_BY_DRIVER) == set(DRIVERS)
    seen: list[str] = [q for qs in EXPECTED_BY_DRIVER.values() for q in qs] + sorted(UNPLACEABLE)
    assert len(seen) == len(set(seen)), "a question is listed twice"


def test_real_files_are_present_and_large():
    questions = real_questions()
    assert len(_read(COLLECTIONS_CSV)) == 188
    assert len(_read(TRUST_CSV)) == 478
    assert len(questions) > 1000


def test_table_covers_exactly_the_real_questions():
    real = {key(text) for text, _, _ in real_questions()}
    assert real - set(EXPECTED) == set(), "real questions missing from the expected table"
    assert set(EXPECTED) - real == set(), "expected table lists questions not in the data"


def test_every_real_question_is_classified_as_a_human_would():
    wrong = []
    for text, names, where in real_questions():
        with_names = classify_question(text, context_names=names)
        without_names = classify_question(text)
        assert with_names in DRIVERS or with_names is None
        assert without_names in DRIVERS or without_names is None
        expected = EXPECTED[key(text)]
        if with_names != expected or without_names != expected:
            wrong.append((where, text, expected, with_names, without_names))
    assert wrong == []


def test_unplaceable_questions_are_exactly_the_ones_read_as_unplaceable():
    unplaced = {key(text) for text, names, _ in real_questions() if classify_question(text, context_names=names) is None}
    assert unplaced == UNPLACEABLE
    # Every one of them is either a placeholder or not one of the seven A-11 statements.
    placeholders = {"NONE", "None", "none", "N/A", "No Question"}
    assert placeholders <= unplaced


def test_per_driver_counts():
    real = {key(text) for text, _, _ in real_questions()}
    got: dict[str | None, int] = {}
    for text in real:
        d = classify_question(text)
        got[d] = got.get(d, 0) + 1
    assert got == {d: len(qs) for d, qs in EXPECTED_BY_DRIVER.items()} | {None: len(UNPLACEABLE)}


STANDARD_TRUST = re.compile(r"^(?:this|my)\s+(?:interaction|visit)\b.*\bincreased\s+my\s+(?:trust|confidence)\s+in\b", re.I)


def test_omb_q2_standard_trust_statement_is_trust():
    checked = 0
    for row in _read(COLLECTIONS_CSV):
        names = [row[c] for c in OMB_CONTEXT_COLUMNS]
        text = row["attributes_q2_text"].strip()
        if STANDARD_TRUST.match(text):
            assert classify_question(text, context_names=names) == "trust", text
            checked += 1
    assert checked >= 100


def test_omb_question_order_is_not_trusted():
    rows = _read(COLLECTIONS_CSV)
    # Some providers ask trust in q1: the text, not the position, decides.
    trust_in_q1 = [r for r in rows if classify_question(r["attributes_q1_text"]) == "trust"]
    assert trust_in_q1, "expected an IRS row with the trust statement in q1"
    for r in trust_in_q1:
        assert "increased my trust" in r["attributes_q1_text"]
    # ...and the satisfaction statement shows up in q2 of another row.
    sat_in_q2 = [r for r in rows if classify_question(r["attributes_q2_text"]) == "satisfaction"]
    assert [key(r["attributes_q2_text"]) for r in sat_in_q2] == ["I am satisfied with the service I received from IRS.gov."]
    # The "employee" slot q7 holds a website-effectiveness statement for some providers.
    assert any(classify_question(r["attributes_q7_text"]) == "effectiveness" for r in rows)


def test_standard_statements_of_a_row_cover_all_seven_drivers():
    row = next(r for r in _read(COLLECTIONS_CSV) if r["id"] == "1")
    got = [classify_question(row[f"attributes_q{i}_text"]) for i in range(1, 8)]
    assert got == list(DRIVERS)


def test_hisp_rows_labelled_trust_are_not_all_trust_questions():
    # metric_category says "trust" for every row, yet some providers reported another question.
    by_text = {key(r["question_text"]): classify_question(r["question_text"]) for r in _read(TRUST_CSV) if r["question_text"].strip()}
    assert by_text["I am satisfied with the service I received from IRS.gov."] == "satisfaction"
    assert by_text["After receiving my education benefits, I understand how to receive education benefits in the future."] == "transparency"
    assert by_text["Would you give the 1-800 MEDICARE number to a friend (yes or no)"] is None
    assert sum(1 for d in by_text.values() if d == "trust") == len([t for t in by_text if EXPECTED[t] == "trust"])


def _replace_name(text: str, name: str) -> str:
    return re.sub(r"(?<!\w)" + re.escape(name) + r"(?!\w)", "the agency", text, flags=re.I)


def _neutralize(text: str) -> str:
    for name in sorted(NAMES_WITH_DRIVER_WORDS, key=len, reverse=True):
        text = _replace_name(text, name)
    return text


def test_names_containing_driver_words_never_decide():
    """Replacing every program/office name that holds a driver word by "the agency" changes nothing."""
    touched = 0
    for text, names, where in real_questions():
        neutral = _neutralize(text)
        for name in sorted(names, key=len, reverse=True):
            if name.strip():
                neutral = _replace_name(neutral, name.strip())
        if neutral != text:
            touched += 1
        assert classify_question(text, context_names=names) == classify_question(neutral), where
    assert touched > 100


@pytest.mark.parametrize(
    "text",
    sorted({key(t) for t, _, _ in real_questions() if re.search(r"trust (?:funds|beneficiary)|trustee", t, re.I)}),
)
def test_trust_in_a_name_only_counts_with_a_trust_statement(text):
    got = classify_question(text)
    stripped = _neutralize(text)
    if re.search(r"\b(?:trust|confidence)\b", stripped, re.I):
        assert got == "trust"
    else:
        assert got != "trust"
        assert got == "satisfaction"  # "I am satisfied with ... the Trust Beneficiary Call Center."


# --- synthetic cases -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("This interaction increased my trust in the Bureau of Trust Funds Administration", ["Bureau of Trust Funds Administration"], "trust"),
        ("This interaction increased my trust in the Bureau of Trust Funds Administration", [], "trust"),
        ("This interaction increased my trust in the bureau of trust funds administration", ["BUREAU OF TRUST FUNDS ADMINISTRATION"], "trust"),
        ("How satisfied were you with the Trust Beneficiary Call Center?", ["Trust Beneficiary Call Center"], "satisfaction"),
        ("How satisfied were you with the Trust Beneficiary Call Center?", [], "satisfaction"),
        ("How would you rate the Trust Beneficiary Call Center?", ["Trust Beneficiary Call Center"], None),
        ("How would you rate the Trust Beneficiary Call Center?", [], None),
        ("Did the Bureau of Trust Funds Administration answer the phone?", ["Bureau of Trust Funds Administration"], None),
        ("Overall, how would you rate Finding government information quickly?", ["Finding government information quickly"], None),
        ("Overall, how would you rate Finding government information quickly?", [], "efficiency"),
        ("Did the Employee Benefits Security Administration call you back?", ["Employee Benefits Security Administration"], None),
        ("The Employee Benefits Security Administration staff were courteous.", ["Employee Benefits Security Administration"], "employee"),
        ("I am satisfied with the service I received from Services Online (SOL).", ["Services Online (SOL)", "Retirement Services"], "satisfaction"),
        ("It was easy to contact the Easy Access Help Desk.", ["Easy Access Help Desk"], "ease"),
        ("How easy was it to reach the Easy Access Help Desk?", ["Easy Access Help Desk"], "ease"),
        ("Please rate the Easy Access Help Desk.", ["easy access help desk"], None),
    ],
)
def test_context_names_are_stripped(text, names, expected):
    assert classify_question(text, context_names=names) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I am satisfied with the service I received.", "satisfaction"),
        ("This interaction increased my trust in [agency].", "trust"),
        ("This interaction increased my confidence in [agency].", "trust"),
        ("My need was addressed.", "effectiveness"),
        ("My issue was resolved.", "effectiveness"),
        ("It was easy to complete what I needed to do.", "ease"),
        ("The process was simple to follow.", "ease"),
        ("It took a reasonable amount of time to do what I needed to do.", "efficiency"),
        ("My request was handled quickly.", "efficiency"),
        ("I was treated fairly.", "transparency"),
        ("I understood what was being asked of me.", "transparency"),
        ("The process was transparent.", "transparency"),
        ("Employees I interacted with were helpful.", "employee"),
        ("The staff were knowledgeable and courteous.", "employee"),
        ("  EMPLOYEES I INTERACTED WITH WERE HELPFUL.  ", "employee"),
        ("I trust\u00a0the agency.", "trust"),
    ],
)
def test_standard_statements(text, expected):
    assert classify_question(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "asdf qwerty zxcv",
        "Lorem ipsum dolor sit amet.",
        "NONE",
        "N/A",
        "What was the reason for your call?",
        "How likely are you to recommend us to a friend?",
        # two different drivers in one cell: never guess
        "My need was addressed. It was easy to complete what I needed to do.",
        "I am satisfied with the service, and this interaction increased my trust in the IRS.",
        "1. I was treated fairly. 2. Employees I interacted with were helpful.",
    ],
)
def test_unplaceable(text):
    assert classify_question(text) is None


def test_non_string_is_unplaceable():
    assert classify_question(None) is None  # type: ignore[arg-type]


def test_classify_questions():
    texts = ["My need was addressed.", "It took a reasonable amount of time.", "gibberish"]
    assert classify_questions(texts) == {
        "My need was addressed.": "effectiveness",
        "It took a reasonable amount of time.": "efficiency",
        "gibberish": None,
    }
    assert classify_questions(
        ["How satisfied were you with the Trust Beneficiary Call Center?"], context_names=["Trust Beneficiary Call Center"]
    ) == {"How satisfied were you with the Trust Beneficiary Call Center?": "satisfaction"}
    assert classify_questions([]) == {}
