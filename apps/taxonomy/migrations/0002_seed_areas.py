"""Seeds the technology taxonomy: the 20 areas of the US "National Strategy for Critical and
Emerging Technologies" (October 2020) and the sub-areas the portal's users ask for.

Slugs are public identifiers (?area=hypersonics): never change one here. The data is
written out in this file, not imported, so that the migration stays as it was when first
run. update_or_create by slug makes it safe to run over existing rows.
"""

from django.db import migrations


def area(slug, name_en, name_ja, description_en="", description_ja="", children=()):
    return {
        "slug": slug,
        "name_en": name_en,
        "name_ja": name_ja,
        "description_en": description_en,
        "description_ja": description_ja,
        "children": children,
    }


AREAS = [
    area(
        "advanced-computing",
        "Advanced Computing",
        "先端コンピューティング",
        "High-performance, novel and specialised computing architectures, hardware and "
        "software that go beyond today's mainstream computers.",
        "現在の主流を超える高性能・新方式・特化型の計算アーキテクチャ、ハードウェアおよびソフトウェア。",
    ),
    area(
        "advanced-conventional-weapons",
        "Advanced Conventional Weapons Technologies",
        "先端通常兵器技術",
        "Non-nuclear weapon technologies such as hypersonic systems, directed energy and "
        "precision-guided munitions.",
        "極超音速システム、指向性エネルギー、精密誘導弾など、核兵器以外の兵器に関する技術。",
        children=[
            area(
                "hypersonics",
                "Hypersonics",
                "極超音速技術",
                "Vehicles and weapons that fly at more than five times the speed of sound.",
                "音速の5倍を超える速度で飛行する飛翔体・兵器に関する技術。",
                children=[
                    area(
                        "hypersonic-propulsion",
                        "Scramjet and Hypersonic Propulsion",
                        "スクラムジェット・極超音速推進",
                    ),
                    area(
                        "thermal-protection-materials",
                        "Thermal Protection Materials",
                        "熱防護材料",
                    ),
                    area(
                        "hypersonic-guidance-navigation-and-control",
                        "Hypersonic Guidance, Navigation and Control",
                        "極超音速誘導・航法・制御",
                    ),
                    area(
                        "hypersonic-test-and-evaluation",
                        "Hypersonic Test and Evaluation",
                        "極超音速試験・評価",
                    ),
                ],
            ),
        ],
    ),
    area(
        "advanced-engineering-materials",
        "Advanced Engineering Materials",
        "先端エンジニアリング材料",
        "New materials and composites engineered for extreme strength, heat, weight or "
        "functional performance.",
        "強度・耐熱性・軽量性や機能性を極限まで高めるよう設計された新素材・複合材料。",
    ),
    area(
        "advanced-gas-turbine-engines",
        "Advanced Gas Turbine Engine Technologies",
        "先端ガスタービンエンジン技術",
        "Gas turbine engines and components for aircraft, ships and power generation with "
        "higher efficiency, thrust and durability.",
        "航空機・艦船・発電向けに、効率・推力・耐久性を高めたガスタービンエンジンとその構成部品。",
    ),
    area(
        "advanced-manufacturing",
        "Advanced Manufacturing",
        "先端製造技術",
        "Production technologies and processes that raise quality, speed and flexibility in "
        "making complex products.",
        "複雑な製品の製造において品質・速度・柔軟性を高める生産技術とプロセス。",
        children=[
            area(
                "additive-manufacturing",
                "Additive Manufacturing",
                "積層造形",
                "Building parts layer by layer from digital models (3D printing).",
                "デジタルモデルから部品を一層ずつ積み重ねて造形する技術（3Dプリンティング）。",
                children=[
                    area(
                        "metal-additive-manufacturing",
                        "Metal Additive Manufacturing",
                        "金属積層造形",
                    ),
                    area(
                        "polymer-and-composite-additive-manufacturing",
                        "Polymer and Composite Additive Manufacturing",
                        "樹脂・複合材料の積層造形",
                    ),
                    area(
                        "additive-manufacturing-qualification-and-inspection",
                        "Additive Manufacturing Qualification and Inspection",
                        "積層造形の品質認定・検査",
                    ),
                ],
            ),
        ],
    ),
    area(
        "advanced-sensing-and-signature-management",
        "Advanced and Networked Sensing and Signature Management",
        "先端・ネットワーク型センシングおよびシグネチャ管理",
        "Sensors and sensor networks that detect and track, and techniques that reduce or "
        "control one's own detectable signatures.",
        "探知・追尾を行うセンサーとセンサーネットワーク、および自らの探知され得るシグネチャを"
        "低減・制御する技術。",
    ),
    area(
        "advanced-nuclear-energy",
        "Advanced Nuclear Energy Technologies",
        "先進原子力エネルギー技術",
        "Next-generation fission and fusion energy systems, including small modular and "
        "micro reactors.",
        "小型モジュール炉やマイクロ炉を含む、次世代の核分裂・核融合エネルギーシステム。",
    ),
    area(
        "artificial-intelligence",
        "Artificial Intelligence",
        "人工知能",
        "Computer systems that perform tasks normally requiring human intelligence, such as "
        "perception, reasoning and decision-making.",
        "知覚・推論・意思決定など、通常は人間の知能を必要とするタスクを実行するコンピュータシステム。",
        children=[
            area("machine-learning", "Machine Learning", "機械学習"),
            area("computer-vision", "Computer Vision", "コンピュータビジョン"),
            area("natural-language-processing", "Natural Language Processing", "自然言語処理"),
            area("trustworthy-ai", "Trustworthy and Assured AI", "信頼できるAI・AIの保証"),
            area("edge-ai", "AI at the Edge", "エッジAI"),
        ],
    ),
    area(
        "autonomous-systems",
        "Autonomous Systems",
        "自律システム",
        "Systems that sense, decide and act with little or no human intervention.",
        "人の介在をほとんど、あるいは全く必要とせずに認識・判断・行動するシステム。",
        children=[
            area(
                "unmanned-systems",
                "Unmanned and Autonomous Systems",
                "無人・自律システム",
                "Uncrewed vehicles in the air, at sea and on land, and the means to counter them.",
                "空中・海上・陸上の無人機と、それらに対処する手段。",
                children=[
                    area("unmanned-aerial-systems", "Unmanned Aerial Systems", "無人航空機システム"),
                    area(
                        "unmanned-maritime-systems",
                        "Unmanned Maritime Systems",
                        "無人海洋システム",
                        children=[
                            area(
                                "unmanned-surface-vessels",
                                "Unmanned Surface Vessels",
                                "無人水上艇",
                            ),
                            area(
                                "unmanned-undersea-vehicles",
                                "Unmanned Undersea Vehicles",
                                "無人水中航走体",
                            ),
                        ],
                    ),
                    area("unmanned-ground-vehicles", "Unmanned Ground Vehicles", "無人地上車両"),
                    area(
                        "swarming-and-collaborative-autonomy",
                        "Swarming and Collaborative Autonomy",
                        "スウォーム・協調型自律",
                    ),
                    area("counter-uas", "Counter-UAS", "対無人航空機システム（C-UAS）"),
                ],
            ),
        ],
    ),
    area(
        "biotechnologies",
        "Biotechnologies",
        "バイオテクノロジー",
        "Use of living systems and biological processes to develop products, materials and "
        "medicines.",
        "生物システムや生物学的プロセスを利用して製品・材料・医薬品を開発する技術。",
    ),
    area(
        "cbrn-mitigation",
        "Chemical, Biological, Radiological, and Nuclear (CBRN) Mitigation Technologies",
        "化学・生物・放射線・核（CBRN）対処技術",
        "Technologies to detect, protect against, decontaminate and treat chemical, "
        "biological, radiological and nuclear threats.",
        "化学・生物・放射線・核の脅威を探知し、防護し、除染し、治療するための技術。",
    ),
    area(
        "communication-and-networking",
        "Communication and Networking Technologies",
        "通信・ネットワーク技術",
        "Wired, wireless and satellite communications and the networks that carry data "
        "securely and reliably.",
        "有線・無線・衛星通信と、データを安全かつ確実に伝送するネットワークの技術。",
        children=[
            area(
                "5g",
                "5G",
                "5G（第5世代移動通信システム）",
                "Fifth-generation mobile networks and the equipment, software and spectrum "
                "they use.",
                "第5世代移動通信ネットワークと、それを構成する機器・ソフトウェア・周波数。",
                children=[
                    area("open-ran", "Open RAN", "オープンRAN"),
                    area(
                        "private-and-tactical-5g",
                        "Private and Tactical 5G Networks",
                        "ローカル5G・戦術5Gネットワーク",
                    ),
                    area("spectrum-sharing", "Spectrum Sharing", "周波数共用"),
                    area(
                        "mmwave-components",
                        "Millimeter-Wave (mmWave) Components",
                        "ミリ波デバイス・部品",
                    ),
                ],
            ),
        ],
    ),
    area(
        "data-science-and-storage",
        "Data Science and Storage",
        "データサイエンス・データストレージ",
        "Methods and systems for collecting, storing, managing and analysing large volumes "
        "of data.",
        "大量のデータを収集・保存・管理・分析するための手法とシステム。",
    ),
    area(
        "distributed-ledger",
        "Distributed Ledger Technologies",
        "分散型台帳技術",
        "Shared, tamper-resistant records kept in step across many parties, such as "
        "blockchains.",
        "ブロックチェーンなど、複数の参加者間で同期される改ざん耐性のある共有記録の技術。",
    ),
    area(
        "energy-technologies",
        "Energy Technologies",
        "エネルギー技術",
        "Generation, storage, conversion and distribution of energy, including batteries "
        "and renewable sources.",
        "蓄電池や再生可能エネルギーを含む、エネルギーの発電・貯蔵・変換・供給に関する技術。",
    ),
    area(
        "human-machine-interfaces",
        "Human-Machine Interfaces",
        "ヒューマン・マシン・インターフェース",
        "Technologies through which people and machines exchange information and work "
        "together, from displays to brain-computer interfaces.",
        "ディスプレイからブレイン・コンピュータ・インターフェースまで、人と機械が情報をやり取りし"
        "協働するための技術。",
    ),
    area(
        "medical-and-public-health",
        "Medical and Public Health Technologies",
        "医療・公衆衛生技術",
        "Technologies that prevent, diagnose and treat disease and protect the health of "
        "populations.",
        "疾病を予防・診断・治療し、集団の健康を守るための技術。",
    ),
    area(
        "quantum-information-science",
        "Quantum Information Science",
        "量子情報科学",
        "Use of quantum physics for computing, communication and sensing.",
        "量子物理学を計算・通信・センシングに応用する科学技術。",
    ),
    area(
        "semiconductors-and-microelectronics",
        "Semiconductors and Microelectronics",
        "半導体・マイクロエレクトロニクス",
        "Design and fabrication of integrated circuits and electronic components, and the "
        "tools and materials to make them.",
        "集積回路や電子部品の設計・製造、およびそのための装置と材料。",
        children=[
            area(
                "trusted-microelectronics",
                "Trusted Microelectronics",
                "トラステッド・マイクロエレクトロニクス",
                "Microelectronics whose design, manufacture and supply can be trusted for "
                "defence and critical uses.",
                "防衛・重要用途に向けて、設計・製造・供給の信頼性が確保されたマイクロエレクトロニクス。",
                children=[
                    area(
                        "secure-design-and-supply-chain-assurance",
                        "Secure Design and Supply-Chain Assurance",
                        "セキュア設計・サプライチェーン保証",
                    ),
                    area(
                        "radiation-hardened-electronics",
                        "Radiation-Hardened Electronics",
                        "耐放射線エレクトロニクス",
                    ),
                    area(
                        "advanced-packaging",
                        "Advanced Packaging and Heterogeneous Integration",
                        "先端パッケージング・異種集積",
                    ),
                ],
            ),
        ],
    ),
    area(
        "space-technologies",
        "Space Technologies",
        "宇宙技術",
        "Launch vehicles, spacecraft, satellites and the ground systems and services that "
        "support them.",
        "ロケット、宇宙機、人工衛星と、それらを支える地上システム・サービスの技術。",
        children=[
            area("space-launch", "Space Launch", "宇宙輸送・打上げ"),
            area(
                "satellites",
                "Satellites",
                "人工衛星",
                children=[
                    area("small-satellites", "Small Satellites", "小型衛星"),
                    area(
                        "synthetic-aperture-radar-satellites",
                        "Synthetic Aperture Radar (SAR) Satellites",
                        "合成開口レーダー（SAR）衛星",
                    ),
                ],
            ),
            area(
                "space-situational-awareness",
                "Space Situational Awareness",
                "宇宙状況把握（SSA）",
            ),
        ],
    ),
]


def seed_areas(apps, schema_editor):
    TechnologyArea = apps.get_model("taxonomy", "TechnologyArea")
    db_alias = schema_editor.connection.alias

    def create(nodes, parent):
        # Siblings keep the order written above (the strategy's alphabetical list).
        for position, node in enumerate(nodes, start=1):
            path = f"{parent.path if parent else ''}{node['slug']}/"
            saved, _ = TechnologyArea.objects.using(db_alias).update_or_create(
                slug=node["slug"],
                defaults={
                    "parent": parent,
                    "name_en": node["name_en"],
                    "name_ja": node["name_ja"],
                    "description_en": node["description_en"],
                    "description_ja": node["description_ja"],
                    "path": path,
                    "depth": parent.depth + 1 if parent else 0,
                    "sort_order": position * 10,
                },
            )
            create(node["children"], saved)

    create(AREAS, None)


class Migration(migrations.Migration):
    dependencies = [
        ("taxonomy", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed_areas, migrations.RunPython.noop),
    ]
