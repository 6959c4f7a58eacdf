-- Dimensions: product lines (seeded), branches (seeded with 总部) and annuity plans.
-- depends: 0001_create_schemas

CREATE TABLE mapping."产品线" (
    "产品线代码" text PRIMARY KEY,
    "产品线"     text NOT NULL UNIQUE,
    "产品类别"   text,
    "业务大类"   text
);
COMMENT ON TABLE mapping."产品线" IS
    'Product lines. 业务类型 in the AUM detail file is a product line name and maps to its code here.';

INSERT INTO mapping."产品线" ("产品线代码", "产品线", "产品类别", "业务大类") VALUES
    ('PL201', '企年投资', '投资管理', '年金业务'),
    ('PL202', '企年受托', '受托管理', '年金业务'),
    ('PL203', '职年投资', '投资管理', '年金业务'),
    ('PL204', '职年受托', '受托管理', '年金业务'),
    ('PL205', '自有险资', '投资管理', '资产管理'),
    ('PL206', '直投',     '投资管理', '资产管理'),
    ('PL207', '三方',     '投资管理', '资产管理'),
    ('PL208', '团养',     '养老保障', '养老业务'),
    ('PL209', '企康',     '健康保障', '养老业务'),
    ('PL210', '企业年金', '年金',     '年金业务'),
    ('PL211', '职业年金', '年金',     '年金业务'),
    ('PL301', '其他',     '其他',     '其他');

CREATE TABLE mapping."组织架构" (
    "机构代码" text PRIMARY KEY CHECK ("机构代码" ~ '^G[0-9]{2,}$'),
    "机构名称" text NOT NULL UNIQUE
);
COMMENT ON TABLE mapping."组织架构" IS
    'Branches. Branch names map to codes here; an unknown branch maps to G00 (总部).';

INSERT INTO mapping."组织架构" ("机构代码", "机构名称") VALUES ('G00', '总部');

CREATE TABLE mapping."年金计划" (
    "年金计划号" text PRIMARY KEY,
    "计划全称"   text,
    "计划简称"   text,
    "计划类型"   text CHECK ("计划类型" IN ('集合计划', '单一计划')),
    company_id   text,
    "管理资格"   text,
    "计划状态"   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE mapping."年金计划" IS
    'Annuity plans. company_id is the sponsoring customer of a single plan (单一计划); collective plans have many customers.';
