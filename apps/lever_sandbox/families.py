"""Job families: posting titles, teams, requirements (each tied to the skill a resume would name).

A requirement is a ``(text, skill)`` pair. Postings list the text as ``<li>`` items; resumes of
people in the family mention a share of the skills, so a scorer has real evidence to match.
"""

from __future__ import annotations

from typing import NamedTuple


class Family(NamedTuple):
    key: str
    department: str
    teams: tuple[str, ...]
    titles: tuple[str, ...]
    requirements: tuple[tuple[str, str], ...]
    nice_to_have: tuple[tuple[str, str], ...]
    duties: tuple[str, ...]
    extra_skills: tuple[str, ...]
    past_titles: tuple[str, ...]
    fields_of_study: tuple[str, ...]
    degrees: tuple[str, ...]
    pay: tuple[int, int]  # yearly USD range a posting's salaryRange is drawn from


FAMILIES: tuple[Family, ...] = (
    Family(
        "engineering",
        "Engineering",
        ("Platform", "Payments", "Growth", "Infrastructure", "Mobile"),
        (
            "Senior Backend Engineer",
            "Software Engineer, Platform",
            "Staff Site Reliability Engineer",
            "Frontend Engineer",
            "Engineering Manager, Payments",
            "Mobile Engineer (iOS)",
        ),
        (
            ("5+ years of Python", "Python"),
            ("Experience with Kubernetes", "Kubernetes"),
            ("Strong SQL and PostgreSQL", "PostgreSQL"),
            ("Experience with AWS or GCP", "AWS"),
            ("Production experience with Go", "Go"),
            ("React and TypeScript", "TypeScript"),
            ("Distributed systems design", "Distributed systems"),
            ("Infrastructure as code with Terraform", "Terraform"),
        ),
        (
            ("Kafka or another event streaming platform", "Kafka"),
            ("Open source contributions", "Open source"),
            ("Experience with Django", "Django"),
        ),
        (
            "Design and ship services used by millions of people",
            "Own reliability, observability and on-call",
            "Mentor engineers and review designs",
            "Work closely with product and design",
        ),
        ("Docker", "Redis", "GraphQL", "Rust", "Linux", "gRPC"),
        (
            "Software Engineer",
            "Senior Software Engineer",
            "Backend Developer",
            "DevOps Engineer",
            "Full Stack Developer",
        ),
        ("Computer Science", "Software Engineering", "Electrical Engineering", "Mathematics"),
        ("BS", "MS", "BEng"),
        (110_000, 230_000),
    ),
    Family(
        "data",
        "Data",
        ("Analytics", "Machine Learning", "Data Platform"),
        ("Data Scientist", "Senior Data Engineer", "Analytics Engineer", "Machine Learning Engineer"),
        (
            ("3+ years of SQL", "SQL"),
            ("Python with pandas and scikit-learn", "pandas"),
            ("Data modeling with dbt", "dbt"),
            ("Orchestration with Airflow", "Airflow"),
            ("Statistics and A/B testing", "Statistics"),
            ("Large-scale processing with Spark", "Spark"),
        ),
        (("Dashboards in Tableau or Looker", "Tableau"), ("Experience with PyTorch", "PyTorch")),
        (
            "Build trusted datasets and metrics",
            "Run experiments and explain the results",
            "Partner with product teams on measurement",
        ),
        ("BigQuery", "Snowflake", "R", "Jupyter", "MLflow"),
        ("Data Analyst", "Data Scientist", "Data Engineer", "BI Developer"),
        ("Statistics", "Computer Science", "Economics", "Physics"),
        ("BS", "MS", "PhD"),
        (105_000, 210_000),
    ),
    Family(
        "design",
        "Design",
        ("Product Design", "Brand", "Research"),
        ("Senior Product Designer", "UX Researcher", "Brand Designer", "Design Systems Lead"),
        (
            ("Expert in Figma", "Figma"),
            ("Building and maintaining design systems", "Design systems"),
            ("Running user research", "User research"),
            ("Interactive prototyping", "Prototyping"),
            ("Accessibility (WCAG 2.1)", "Accessibility"),
        ),
        (("Motion design", "Motion design"), ("Basic HTML and CSS", "CSS")),
        (
            "Shape product direction with research and prototypes",
            "Raise the quality bar of our design system",
        ),
        ("Sketch", "Illustrator", "Usability testing", "Journey mapping"),
        ("Product Designer", "UX Designer", "Visual Designer", "UX Researcher"),
        ("Interaction Design", "Graphic Design", "Human-Computer Interaction", "Psychology"),
        ("BA", "BFA", "MDes"),
        (95_000, 185_000),
    ),
    Family(
        "sales",
        "Sales",
        ("Enterprise", "Mid-Market", "Sales Development"),
        (
            "Enterprise Account Executive",
            "Sales Development Representative",
            "Sales Engineer",
            "Regional Sales Manager",
        ),
        (
            ("Salesforce", "Salesforce"),
            ("3+ years of B2B SaaS sales", "B2B SaaS sales"),
            ("Track record of quota attainment", "Quota attainment"),
            ("MEDDICC or a similar methodology", "MEDDICC"),
            ("Complex negotiation", "Negotiation"),
        ),
        (("HubSpot", "HubSpot"), ("Spanish or Portuguese", "Spanish")),
        ("Own the full sales cycle from discovery to close", "Build pipeline with marketing and SDRs"),
        ("Outreach", "Gong", "Forecasting", "Prospecting"),
        ("Account Executive", "Sales Development Representative", "Account Manager", "Sales Manager"),
        ("Business Administration", "Communications", "Marketing"),
        ("BA", "BBA", "MBA"),
        (70_000, 160_000),
    ),
    Family(
        "marketing",
        "Marketing",
        ("Growth", "Content", "Product Marketing"),
        ("Content Marketing Manager", "Growth Marketing Manager", "Product Marketing Manager"),
        (
            ("SEO", "SEO"),
            ("Google Analytics", "Google Analytics"),
            ("Marketing automation in HubSpot", "HubSpot"),
            ("Sharp copywriting", "Copywriting"),
            ("Paid social campaigns", "Paid social"),
        ),
        (("Marketo", "Marketo"), ("Video production", "Video")),
        ("Plan and run campaigns end to end", "Tell our product story to new audiences"),
        ("Webflow", "Canva", "Email marketing", "Brand strategy"),
        ("Marketing Manager", "Content Strategist", "Growth Marketer", "Marketing Coordinator"),
        ("Marketing", "Journalism", "Communications"),
        ("BA", "BS", "MBA"),
        (80_000, 170_000),
    ),
    Family(
        "operations",
        "Operations",
        ("Business Operations", "Supply Chain", "Workplace"),
        ("Operations Manager", "Business Operations Analyst", "Supply Chain Coordinator"),
        (
            ("Advanced Excel or Google Sheets", "Excel"),
            ("Process improvement", "Process improvement"),
            ("Lean or Six Sigma certification", "Six Sigma"),
            ("SAP", "SAP"),
            ("Vendor management", "Vendor management"),
        ),
        (("SQL for reporting", "SQL"),),
        ("Design processes that scale with the business", "Own vendor relationships and budgets"),
        ("Logistics", "Inventory planning", "Procurement", "Asana"),
        ("Operations Analyst", "Operations Manager", "Logistics Coordinator"),
        ("Industrial Engineering", "Business Administration", "Supply Chain Management"),
        ("BS", "BA", "MBA"),
        (65_000, 140_000),
    ),
    Family(
        "customer_success",
        "Customer Success",
        ("Customer Success", "Support", "Implementation"),
        ("Customer Success Manager", "Technical Support Specialist", "Implementation Manager"),
        (
            ("Zendesk", "Zendesk"),
            ("Gainsight", "Gainsight"),
            ("Onboarding enterprise customers", "Onboarding"),
            ("Owning renewals", "Renewals"),
            ("Salesforce", "Salesforce"),
        ),
        (("Basic SQL", "SQL"),),
        ("Be the trusted advisor of a book of customers", "Turn feedback into product improvements"),
        ("Intercom", "Churn analysis", "Customer training"),
        ("Customer Success Manager", "Support Specialist", "Account Manager"),
        ("Communications", "Business Administration", "Psychology"),
        ("BA", "BS"),
        (60_000, 130_000),
    ),
    Family(
        "finance",
        "Finance",
        ("FP&A", "Accounting", "Treasury"),
        ("Senior Financial Analyst", "Senior Accountant", "FP&A Manager", "Controller"),
        (
            ("CPA", "CPA"),
            ("NetSuite", "NetSuite"),
            ("US GAAP", "GAAP"),
            ("Financial modeling", "Financial modeling"),
            ("SOX compliance", "SOX"),
        ),
        (("Advanced Excel", "Excel"), ("Experience at a public company", "Public company")),
        ("Own the monthly close", "Build the operating plan with department leads"),
        ("Adaptive Insights", "Revenue recognition", "Audit"),
        ("Financial Analyst", "Staff Accountant", "Senior Accountant", "Auditor"),
        ("Accounting", "Finance", "Economics"),
        ("BS", "BBA", "MBA"),
        (85_000, 190_000),
    ),
    Family(
        "healthcare",
        "Clinical",
        ("Nursing", "Clinical Research", "Patient Care"),
        ("Registered Nurse, ICU", "Nurse Practitioner", "Clinical Research Coordinator", "Medical Assistant"),
        (
            ("Valid RN license", "RN license"),
            ("BLS certification", "BLS"),
            ("Epic EHR", "Epic"),
            ("ICU experience", "ICU"),
            ("Patient education", "Patient education"),
            ("HIPAA compliance", "HIPAA"),
        ),
        (("ACLS certification", "ACLS"), ("Bilingual (Spanish)", "Spanish")),
        ("Deliver safe, compassionate patient care", "Coordinate with physicians and care teams"),
        ("Triage", "Phlebotomy", "Telemetry", "Care planning"),
        ("Registered Nurse", "Charge Nurse", "Clinical Research Assistant", "Medical Assistant"),
        ("Nursing", "Biology", "Public Health"),
        ("BSN", "MSN", "BS"),
        (70_000, 150_000),
    ),
    Family(
        "education",
        "Education",
        ("Curriculum", "Learning Experience", "Teaching"),
        ("Instructional Designer", "Curriculum Developer", "Math Teacher", "Learning Experience Designer"),
        (
            ("Teaching credential", "Teaching credential"),
            ("Curriculum design", "Curriculum design"),
            ("Articulate Storyline", "Articulate Storyline"),
            ("LMS administration (Canvas)", "Canvas"),
            ("Classroom management", "Classroom management"),
        ),
        (("Experience with adult learners", "Adult learning"),),
        ("Design engaging learning experiences", "Measure learning outcomes and iterate"),
        ("Assessment design", "Moodle", "Differentiated instruction"),
        ("Teacher", "Instructional Designer", "Curriculum Specialist", "Tutor"),
        ("Education", "Mathematics", "Instructional Technology"),
        ("BA", "MEd", "MA"),
        (55_000, 110_000),
    ),
    Family(
        "people",
        "People",
        ("Talent Acquisition", "People Partners"),
        ("Technical Recruiter", "People Partner", "HR Generalist"),
        (
            ("Full-cycle recruiting", "Full-cycle recruiting"),
            ("Lever or another ATS", "Lever"),
            ("Employment law basics", "Employment law"),
            ("Workday", "Workday"),
            ("Sourcing", "Sourcing"),
        ),
        (("Employer branding", "Employer branding"),),
        ("Partner with hiring managers on headcount plans", "Create a great candidate experience"),
        ("Boolean search", "Onboarding", "Compensation"),
        ("Recruiter", "Talent Acquisition Partner", "HR Coordinator"),
        ("Human Resources", "Psychology", "Sociology"),
        ("BA", "BS"),
        (70_000, 150_000),
    ),
)

FAMILY_KEYS = tuple(f.key for f in FAMILIES)
