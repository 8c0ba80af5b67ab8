// The demo catalog's vocabulary: a category tree, brands, and per leaf category what its
// products are called, which specs their SKUs vary by and what they cost.

export interface SeedBrand {
  name: string;
  /** Used in the English product names. */
  en?: string;
}

export interface SeedLeaf {
  name: string;
  /** Chinese product name stems. */
  nouns: string[];
  /** English product name stems (some products get an English name). */
  english?: string[];
  brands: string[];
  /** Spec keys and their values; the first key's later values cost more (storage, size of a pack). */
  specs: [string, string[]][];
  /** Price range in yuan. */
  price: [number, number];
  /** True when the first spec's values raise the price. */
  pricedFirstSpec?: boolean;
}

export interface SeedBranch {
  name: string;
  children: (SeedLeaf | SeedBranch)[];
}

export const isBranch = (n: SeedLeaf | SeedBranch): n is SeedBranch => 'children' in n;

const TECH_COLORS = ['曜石黑', '星河银', '冰川蓝', '晨曦金', '薄荷绿'];
const COLORS = ['黑色', '白色', '灰色', '藏青色', '卡其色', '酒红色'];
const HOME_COLORS = ['原木色', '奶白色', '浅灰色', '胡桃色'];
const SIZES = ['S', 'M', 'L', 'XL', 'XXL'];
const SHOE_SIZES = ['38', '39', '40', '41', '42', '43', '44'];
const KID_SIZES = ['90cm', '100cm', '110cm', '120cm', '130cm'];
const WEIGHTS = ['250g', '500g', '1kg', '2kg'];
const FLAVOURS = ['原味', '麻辣', '五香', '蜂蜜', '海盐'];

export const BRANDS: SeedBrand[] = [
  { name: '华为', en: 'HUAWEI' },
  { name: '小米', en: 'Xiaomi' },
  { name: 'Apple', en: 'Apple' },
  { name: 'OPPO', en: 'OPPO' },
  { name: 'vivo', en: 'vivo' },
  { name: '荣耀', en: 'HONOR' },
  { name: '索尼', en: 'Sony' },
  { name: '漫步者', en: 'Edifier' },
  { name: '联想', en: 'Lenovo' },
  { name: '戴尔', en: 'Dell' },
  { name: '罗技', en: 'Logitech' },
  { name: '佳能', en: 'Canon' },
  { name: '大疆', en: 'DJI' },
  { name: '安克', en: 'Anker' },
  { name: '海尔', en: 'Haier' },
  { name: '美的', en: 'Midea' },
  { name: '格力', en: 'GREE' },
  { name: '九阳', en: 'Joyoung' },
  { name: '苏泊尔', en: 'SUPOR' },
  { name: '戴森', en: 'Dyson' },
  { name: '飞利浦', en: 'Philips' },
  { name: '优衣库', en: 'UNIQLO' },
  { name: '李宁', en: 'LI-NING' },
  { name: '安踏', en: 'ANTA' },
  { name: '耐克', en: 'Nike' },
  { name: '阿迪达斯', en: 'adidas' },
  { name: '波司登', en: 'Bosideng' },
  { name: '新秀丽', en: 'Samsonite' },
  { name: '三只松鼠' },
  { name: '良品铺子' },
  { name: '农夫山泉' },
  { name: '伊利' },
  { name: '雀巢', en: 'Nestlé' },
  { name: '欧莱雅', en: "L'Oréal" },
  { name: '兰蔻', en: 'Lancôme' },
  { name: '百雀羚' },
  { name: '完美日记', en: 'Perfect Diary' },
  { name: '云南白药' },
  { name: '宜家', en: 'IKEA' },
  { name: '无印良品', en: 'MUJI' },
  { name: '水星家纺' },
  { name: '网易严选' },
  { name: '迪卡侬', en: 'Decathlon' },
  { name: '骆驼', en: 'CAMEL' },
  { name: '捷安特', en: 'Giant' },
  { name: 'Keep' },
  { name: '飞鹤' },
  { name: '帮宝适', en: 'Pampers' },
  { name: '乐高', en: 'LEGO' },
  { name: '巴拉巴拉', en: 'balabala' },
  { name: '中信出版社' },
  { name: '人民文学出版社' },
  { name: '雅马哈', en: 'Yamaha' },
  { name: '得力', en: 'Deli' },
  { name: '西湖龙井' },
  { name: '瑞幸', en: 'luckin' },
  { name: '金龙鱼' },
  { name: '公牛', en: 'BULL' },
];

const leaf = (
  name: string,
  nouns: string[],
  brands: string[],
  specs: [string, string[]][],
  price: [number, number],
  more: Partial<SeedLeaf> = {},
): SeedLeaf => ({ name, nouns, brands, specs, price, ...more });

export const CATEGORY_TREE: SeedBranch[] = [
  {
    name: '手机数码',
    children: [
      leaf(
        '手机',
        ['5G智能手机', '折叠屏手机', '拍照手机', '游戏手机', '轻薄手机'],
        ['华为', '小米', 'Apple', 'OPPO', 'vivo', '荣耀'],
        [
          ['存储', ['8GB+128GB', '8GB+256GB', '12GB+256GB', '16GB+512GB']],
          ['颜色', TECH_COLORS],
        ],
        [1299, 8999],
        { english: ['5G Smartphone', 'Foldable Phone', 'Camera Phone'], pricedFirstSpec: true },
      ),
      leaf(
        '耳机',
        ['无线蓝牙耳机', '降噪头戴式耳机', '运动蓝牙耳机', '半入耳式耳机', '骨传导耳机', '游戏耳机'],
        ['华为', '小米', 'Apple', '索尼', '漫步者', '荣耀'],
        [
          ['颜色', TECH_COLORS],
          ['版本', ['标准版', '降噪版', '无线充电版']],
        ],
        [99, 2999],
        { english: ['Wireless Earbuds', 'Noise Cancelling Headphones', 'Sports Earphones', 'Bluetooth Headset'] },
      ),
      leaf(
        '智能手表',
        ['智能手表', '运动手环', '儿童电话手表'],
        ['华为', '小米', 'Apple', '荣耀'],
        [
          ['表盘', ['41mm', '45mm']],
          ['表带', ['氟橡胶表带', '皮质表带', '金属表带']],
        ],
        [199, 3999],
        { english: ['Smart Watch', 'Fitness Band'] },
      ),
      leaf(
        '平板电脑',
        ['平板电脑', '学习平板', '护眼平板'],
        ['华为', '小米', 'Apple', '联想', '荣耀'],
        [
          ['存储', ['128GB', '256GB', '512GB']],
          ['颜色', TECH_COLORS],
        ],
        [999, 7999],
        { english: ['Tablet', 'Pad Pro'], pricedFirstSpec: true },
      ),
      leaf(
        '相机',
        ['微单相机', '运动相机', '口袋云台相机', '拍立得'],
        ['索尼', '佳能', '大疆'],
        [
          ['套装', ['单机身', '标准镜头套装', '长焦镜头套装']],
          ['颜色', ['黑色', '银色']],
        ],
        [1499, 19999],
        { english: ['Mirrorless Camera', 'Action Camera', 'Pocket Gimbal Camera'], pricedFirstSpec: true },
      ),
      leaf(
        '充电器与数据线',
        ['氮化镓快充充电器', 'Type-C数据线', '无线充电器', '车载充电器'],
        ['安克', '小米', '公牛', 'Apple'],
        [
          ['功率', ['20W', '33W', '65W', '100W']],
          ['颜色', ['白色', '黑色']],
        ],
        [19, 299],
        { english: ['GaN Charger', 'USB-C Cable'], pricedFirstSpec: true },
      ),
      leaf(
        '移动电源',
        ['充电宝', '磁吸充电宝', '户外电源'],
        ['安克', '小米', '公牛'],
        [
          ['容量', ['10000mAh', '20000mAh', '30000mAh']],
          ['颜色', ['白色', '黑色', '蓝色']],
        ],
        [59, 1999],
        { english: ['Power Bank'], pricedFirstSpec: true },
      ),
    ],
  },
  {
    name: '电脑办公',
    children: [
      leaf(
        '笔记本电脑',
        ['轻薄笔记本电脑', '游戏本', '商务笔记本', '二合一笔记本'],
        ['华为', '联想', '戴尔', 'Apple', '小米'],
        [
          ['配置', ['i5/16G/512G', 'i7/16G/1T', 'i9/32G/1T']],
          ['颜色', ['深空灰', '银色']],
        ],
        [3999, 19999],
        { english: ['Laptop', 'Gaming Laptop', 'Ultrabook'], pricedFirstSpec: true },
      ),
      leaf(
        '显示器',
        ['4K显示器', '电竞显示器', '办公显示器', '便携显示器'],
        ['戴尔', '联想', '小米', '飞利浦'],
        [
          ['尺寸', ['24英寸', '27英寸', '32英寸']],
          ['接口', ['HDMI', 'Type-C']],
        ],
        [599, 5999],
        { english: ['4K Monitor', 'Gaming Monitor'], pricedFirstSpec: true },
      ),
      leaf(
        '键盘',
        ['机械键盘', '无线键盘', '静音键盘'],
        ['罗技', '联想', '戴尔', '小米'],
        [
          ['轴体', ['红轴', '青轴', '茶轴']],
          ['颜色', ['黑色', '白色', '粉色']],
        ],
        [99, 1299],
        { english: ['Mechanical Keyboard', 'Wireless Keyboard'] },
      ),
      leaf(
        '鼠标',
        ['无线鼠标', '游戏鼠标', '静音鼠标', '人体工学鼠标'],
        ['罗技', '联想', '戴尔', '小米'],
        [
          ['颜色', ['黑色', '白色', '石墨灰']],
          ['连接', ['蓝牙', '2.4G', '双模']],
        ],
        [49, 899],
        { english: ['Wireless Mouse', 'Gaming Mouse', 'Ergonomic Mouse'] },
      ),
      leaf(
        '打印机',
        ['彩色喷墨打印机', '黑白激光打印机', '照片打印机'],
        ['佳能', '联想', '得力'],
        [['型号', ['基础款', '无线款', '自动双面款']]],
        [399, 3999],
        { english: ['Inkjet Printer', 'Laser Printer'], pricedFirstSpec: true },
      ),
      leaf(
        '办公文具',
        ['中性笔', '笔记本本子', '文件收纳盒', '订书机'],
        ['得力', '无印良品'],
        [
          ['颜色', ['黑色', '蓝色', '红色']],
          ['规格', ['单支', '10支装', '盒装']],
        ],
        [5, 99],
        { pricedFirstSpec: false },
      ),
    ],
  },
  {
    name: '家用电器',
    children: [
      leaf(
        '电视',
        ['4K超高清电视', '智能全面屏电视', '游戏电视'],
        ['华为', '小米', '海尔', '索尼'],
        [['尺寸', ['55英寸', '65英寸', '75英寸', '85英寸']]],
        [1999, 19999],
        { english: ['4K Smart TV'], pricedFirstSpec: true },
      ),
      leaf(
        '冰箱',
        ['十字对开门冰箱', '风冷无霜冰箱', '双门冰箱'],
        ['海尔', '美的', '格力'],
        [
          ['容积', ['300L', '450L', '550L']],
          ['颜色', ['星空灰', '月光白']],
        ],
        [1599, 12999],
        { pricedFirstSpec: true },
      ),
      leaf(
        '洗衣机',
        ['滚筒洗衣机', '洗烘一体机', '波轮洗衣机'],
        ['海尔', '美的', '小米'],
        [['容量', ['8公斤', '10公斤', '12公斤']]],
        [999, 8999],
        { pricedFirstSpec: true },
      ),
      leaf(
        '空调',
        ['变频空调挂机', '立式空调柜机', '新风空调'],
        ['格力', '美的', '海尔', '小米'],
        [
          ['匹数', ['1匹', '1.5匹', '2匹', '3匹']],
          ['能效', ['一级能效', '三级能效']],
        ],
        [1999, 9999],
        { pricedFirstSpec: true },
      ),
      {
        name: '厨房小电',
        children: [
          leaf(
            '电饭煲',
            ['智能电饭煲', 'IH电饭煲', '迷你电饭煲'],
            ['九阳', '苏泊尔', '美的', '小米'],
            [
              ['容量', ['3L', '4L', '5L']],
              ['颜色', ['白色', '黑色']],
            ],
            [149, 1599],
            { pricedFirstSpec: true },
          ),
          leaf(
            '空气炸锅',
            ['空气炸锅', '可视空气炸锅', '大容量空气炸锅'],
            ['九阳', '苏泊尔', '美的', '飞利浦'],
            [
              ['容量', ['4L', '5.5L', '7L']],
              ['颜色', ['奶白色', '墨绿色']],
            ],
            [199, 999],
            { english: ['Air Fryer'], pricedFirstSpec: true },
          ),
          leaf(
            '咖啡机',
            ['全自动咖啡机', '胶囊咖啡机', '意式半自动咖啡机'],
            ['飞利浦', '雀巢', '美的'],
            [['颜色', ['黑色', '银色', '白色']]],
            [399, 6999],
            { english: ['Espresso Machine', 'Capsule Coffee Maker'] },
          ),
          leaf(
            '破壁机',
            ['破壁料理机', '豆浆机', '静音破壁机'],
            ['九阳', '苏泊尔', '美的'],
            [
              ['容量', ['1.2L', '1.75L']],
              ['颜色', ['白色', '灰色']],
            ],
            [199, 1999],
            { pricedFirstSpec: true },
          ),
        ],
      },
      {
        name: '生活电器',
        children: [
          leaf(
            '吸尘器',
            ['无线吸尘器', '扫地机器人', '洗地机'],
            ['戴森', '小米', '美的', '飞利浦'],
            [['版本', ['标准版', '旗舰版', '自动集尘版']]],
            [499, 5999],
            { english: ['Cordless Vacuum Cleaner', 'Robot Vacuum'], pricedFirstSpec: true },
          ),
          leaf(
            '吹风机',
            ['高速吹风机', '负离子吹风机', '折叠吹风机'],
            ['戴森', '飞利浦', '小米'],
            [['颜色', ['紫红色', '黑镍色', '白色']]],
            [99, 3299],
            { english: ['Hair Dryer'] },
          ),
          leaf(
            '电风扇',
            ['落地扇', '循环扇', '无叶风扇'],
            ['美的', '格力', '小米', '戴森'],
            [
              ['控制', ['机械款', '遥控款', '智能款']],
              ['颜色', ['白色', '灰色']],
            ],
            [99, 3999],
            { pricedFirstSpec: true },
          ),
        ],
      },
    ],
  },
  {
    name: '服饰鞋包',
    children: [
      {
        name: '男装',
        children: [
          leaf(
            'T恤',
            ['纯棉短袖T恤', '圆领印花T恤', '速干运动T恤', 'polo衫'],
            ['优衣库', '李宁', '安踏', '网易严选'],
            [
              ['颜色', COLORS],
              ['尺码', SIZES],
            ],
            [39, 299],
            { english: ['Cotton T-Shirt', 'Polo Shirt'] },
          ),
          leaf(
            '衬衫',
            ['免烫商务衬衫', '牛津纺衬衫', '亚麻休闲衬衫'],
            ['优衣库', '网易严选', '无印良品'],
            [
              ['颜色', ['白色', '浅蓝色', '条纹']],
              ['尺码', SIZES],
            ],
            [99, 499],
            { english: ['Oxford Shirt'] },
          ),
          leaf(
            '夹克',
            ['工装夹克', '防风夹克', '棒球服'],
            ['李宁', '安踏', '骆驼', '耐克'],
            [
              ['颜色', COLORS],
              ['尺码', SIZES],
            ],
            [199, 999],
            { english: ['Windbreaker Jacket'] },
          ),
          leaf(
            '牛仔裤',
            ['直筒牛仔裤', '修身牛仔裤', '宽松牛仔裤'],
            ['优衣库', '网易严选'],
            [
              ['颜色', ['浅蓝', '深蓝', '黑色']],
              ['尺码', ['29', '30', '31', '32', '33', '34']],
            ],
            [99, 599],
            { english: ['Slim Fit Jeans'] },
          ),
        ],
      },
      {
        name: '女装',
        children: [
          leaf(
            '连衣裙',
            ['碎花连衣裙', '法式收腰连衣裙', '针织连衣裙'],
            ['优衣库', '网易严选'],
            [
              ['颜色', ['杏色', '黑色', '碎花蓝', '酒红色']],
              ['尺码', SIZES],
            ],
            [129, 899],
          ),
          leaf(
            '针织衫',
            ['羊毛针织开衫', '圆领毛衣', '高领打底衫'],
            ['优衣库', '无印良品', '网易严选'],
            [
              ['颜色', ['燕麦色', '黑色', '雾霾蓝']],
              ['尺码', SIZES],
            ],
            [99, 799],
            { english: ['Cashmere Sweater'] },
          ),
          leaf(
            '羽绒服',
            ['轻薄羽绒服', '长款羽绒服', '连帽羽绒服'],
            ['波司登', '骆驼', '优衣库'],
            [
              ['颜色', ['黑色', '米白色', '雾粉色']],
              ['尺码', SIZES],
            ],
            [399, 2999],
            { english: ['Down Jacket'] },
          ),
          leaf(
            '半身裙',
            ['百褶半身裙', 'A字半身裙', '牛仔半身裙'],
            ['优衣库', '网易严选'],
            [
              ['颜色', ['黑色', '卡其色', '藏青色']],
              ['尺码', ['S', 'M', 'L']],
            ],
            [89, 499],
          ),
        ],
      },
      {
        name: '鞋靴',
        children: [
          leaf(
            '运动鞋',
            ['跑步鞋', '篮球鞋', '缓震运动鞋', '训练鞋'],
            ['李宁', '安踏', '耐克', '阿迪达斯'],
            [
              ['颜色', ['黑白', '全黑', '荧光绿']],
              ['尺码', SHOE_SIZES],
            ],
            [199, 1499],
            { english: ['Running Shoes', 'Basketball Shoes'] },
          ),
          leaf(
            '休闲鞋',
            ['帆布鞋', '小白鞋', '乐福鞋'],
            ['安踏', '李宁', '骆驼'],
            [
              ['颜色', ['白色', '黑色', '米色']],
              ['尺码', SHOE_SIZES],
            ],
            [129, 899],
            { english: ['Canvas Sneakers'] },
          ),
          leaf(
            '靴子',
            ['马丁靴', '雪地靴', '切尔西靴'],
            ['骆驼', '迪卡侬'],
            [
              ['颜色', ['黑色', '棕色']],
              ['尺码', SHOE_SIZES],
            ],
            [199, 1299],
            { english: ['Chelsea Boots'] },
          ),
        ],
      },
      {
        name: '箱包',
        children: [
          leaf(
            '双肩包',
            ['通勤双肩包', '电脑双肩包', '旅行背包'],
            ['新秀丽', '小米', '迪卡侬'],
            [
              ['颜色', ['黑色', '灰色', '藏青色']],
              ['容量', ['20L', '30L']],
            ],
            [99, 1299],
            { english: ['Laptop Backpack'] },
          ),
          leaf(
            '行李箱',
            ['铝框拉杆箱', 'PC万向轮行李箱', '登机箱'],
            ['新秀丽', '小米', '网易严选'],
            [
              ['尺寸', ['20英寸', '24英寸', '28英寸']],
              ['颜色', ['银色', '黑色', '墨绿色']],
            ],
            [299, 3999],
            { english: ['Carry-on Suitcase'], pricedFirstSpec: true },
          ),
        ],
      },
    ],
  },
  {
    name: '美妆个护',
    children: [
      leaf(
        '面部护肤',
        ['保湿精华液', '修护面霜', '温和洁面乳', '补水面膜'],
        ['欧莱雅', '兰蔻', '百雀羚'],
        [['规格', ['30ml', '50ml', '100ml']]],
        [59, 1599],
        { english: ['Hydrating Serum', 'Repair Cream'], pricedFirstSpec: true },
      ),
      leaf(
        '彩妆',
        ['哑光口红', '持妆粉底液', '眼影盘', '睫毛膏'],
        ['完美日记', '兰蔻', '欧莱雅'],
        [['色号', ['#01', '#02', '#03', '#04', '#05']]],
        [39, 599],
        { english: ['Matte Lipstick', 'Long Wear Foundation'] },
      ),
      leaf(
        '洗发护发',
        ['控油洗发水', '修护护发素', '防脱洗发水'],
        ['欧莱雅', '网易严选'],
        [['规格', ['400ml', '750ml', '1L']]],
        [29, 199],
        { pricedFirstSpec: true },
      ),
      leaf(
        '香水',
        ['淡香水', '浓香水', '香氛礼盒'],
        ['兰蔻', '欧莱雅'],
        [['规格', ['30ml', '50ml', '100ml']]],
        [199, 1999],
        { english: ['Eau de Parfum'], pricedFirstSpec: true },
      ),
      leaf(
        '口腔护理',
        ['电动牙刷', '美白牙膏', '冲牙器'],
        ['飞利浦', '小米', '云南白药'],
        [
          ['颜色', ['白色', '黑色', '粉色']],
          ['套装', ['单支', '双支装']],
        ],
        [19, 1299],
        { english: ['Electric Toothbrush'] },
      ),
    ],
  },
  {
    name: '食品饮料',
    children: [
      leaf(
        '休闲零食',
        ['每日坚果', '牛肉干', '芒果干', '夏威夷果', '鸭脖'],
        ['三只松鼠', '良品铺子'],
        [
          ['规格', WEIGHTS],
          ['口味', FLAVOURS],
        ],
        [15, 199],
        { pricedFirstSpec: true },
      ),
      leaf(
        '饮料',
        ['天然矿泉水', '无糖茶饮料', '气泡水', '果汁'],
        ['农夫山泉', '雀巢'],
        [['规格', ['350ml*12瓶', '550ml*24瓶', '1.5L*6瓶']]],
        [19, 99],
        { pricedFirstSpec: true },
      ),
      leaf(
        '茶叶',
        ['明前龙井', '铁观音', '普洱茶饼', '正山小种'],
        ['西湖龙井', '网易严选'],
        [
          ['规格', ['100g', '250g', '500g']],
          ['包装', ['罐装', '礼盒装']],
        ],
        [59, 1999],
        { pricedFirstSpec: true },
      ),
      leaf(
        '咖啡',
        ['挂耳咖啡', '冻干咖啡粉', '咖啡豆', '即饮咖啡'],
        ['雀巢', '瑞幸'],
        [
          ['规格', ['10袋', '30袋', '500g']],
          ['烘焙', ['中度烘焙', '深度烘焙']],
        ],
        [29, 299],
        { english: ['Drip Coffee', 'Coffee Beans'], pricedFirstSpec: true },
      ),
      leaf(
        '粮油调味',
        ['东北大米', '花生油', '生抽酱油', '挂面'],
        ['金龙鱼', '网易严选'],
        [['规格', ['1kg', '5kg', '10kg']]],
        [9, 199],
        { pricedFirstSpec: true },
      ),
      leaf(
        '乳品',
        ['纯牛奶', '常温酸奶', '奶粉'],
        ['伊利', '雀巢', '飞鹤'],
        [['规格', ['250ml*12盒', '250ml*24盒']]],
        [39, 199],
        { pricedFirstSpec: true },
      ),
    ],
  },
  {
    name: '家居家纺',
    children: [
      leaf(
        '床上用品',
        ['全棉四件套', '蚕丝被', '乳胶枕', '羽绒被'],
        ['水星家纺', '网易严选', '无印良品'],
        [
          ['尺寸', ['1.5m床', '1.8m床', '2.0m床']],
          ['颜色', HOME_COLORS],
        ],
        [99, 2999],
        { pricedFirstSpec: true },
      ),
      leaf(
        '收纳整理',
        ['收纳箱', '衣柜收纳盒', '桌面收纳架'],
        ['宜家', '无印良品', '网易严选'],
        [
          ['规格', ['小号', '中号', '大号']],
          ['颜色', ['白色', '透明', '灰色']],
        ],
        [9, 299],
        { english: ['Storage Box'], pricedFirstSpec: true },
      ),
      leaf(
        '灯具',
        ['护眼台灯', '吸顶灯', '落地灯', '小夜灯'],
        ['飞利浦', '小米', '宜家', '公牛'],
        [
          ['颜色', ['白色', '黑色']],
          ['光源', ['三色调光', '无极调光']],
        ],
        [39, 1299],
        { english: ['LED Desk Lamp'] },
      ),
      leaf(
        '家具',
        ['人体工学椅', '实木书桌', '布艺沙发', '床头柜'],
        ['宜家', '网易严选', '无印良品'],
        [['颜色', HOME_COLORS]],
        [199, 5999],
        { english: ['Ergonomic Office Chair'] },
      ),
      leaf(
        '厨具',
        ['不粘炒锅', '珐琅铸铁锅', '刀具套装', '保温杯'],
        ['苏泊尔', '九阳', '网易严选'],
        [
          ['规格', ['24cm', '28cm', '32cm']],
          ['颜色', ['黑色', '红色', '米白色']],
        ],
        [49, 999],
        { pricedFirstSpec: true },
      ),
    ],
  },
  {
    name: '运动户外',
    children: [
      leaf(
        '跑步装备',
        ['跑步腰包', '运动压缩裤', '速干跑步短裤'],
        ['李宁', '安踏', '迪卡侬', '耐克'],
        [
          ['颜色', ['黑色', '灰色', '荧光黄']],
          ['尺码', ['S', 'M', 'L', 'XL']],
        ],
        [49, 399],
        { english: ['Running Shorts'] },
      ),
      leaf(
        '健身器材',
        ['可调节哑铃', '跑步机', '动感单车', '筋膜枪'],
        ['Keep', '迪卡侬', '小米'],
        [['规格', ['基础款', '进阶款', '专业款']]],
        [99, 4999],
        { english: ['Adjustable Dumbbell', 'Treadmill'], pricedFirstSpec: true },
      ),
      leaf(
        '户外装备',
        ['露营帐篷', '登山杖', '冲锋衣', '睡袋'],
        ['骆驼', '迪卡侬'],
        [
          ['颜色', ['军绿色', '卡其色', '黑色']],
          ['规格', ['单人', '双人', '家庭款']],
        ],
        [59, 1999],
        { english: ['Camping Tent', 'Hiking Poles'] },
      ),
      leaf(
        '骑行',
        ['公路自行车', '山地自行车', '骑行头盔'],
        ['捷安特', '迪卡侬'],
        [
          ['尺寸', ['S码', 'M码', 'L码']],
          ['颜色', ['黑色', '白色', '红色']],
        ],
        [199, 8999],
        { english: ['Road Bike', 'Cycling Helmet'] },
      ),
      leaf(
        '瑜伽',
        ['瑜伽垫', '瑜伽服套装', '瑜伽砖'],
        ['Keep', '迪卡侬', '李宁'],
        [
          ['颜色', ['紫色', '蓝色', '粉色']],
          ['厚度', ['6mm', '10mm']],
        ],
        [29, 399],
        { english: ['Yoga Mat'] },
      ),
    ],
  },
  {
    name: '母婴玩具',
    children: [
      leaf(
        '奶粉',
        ['婴儿配方奶粉', '幼儿成长奶粉'],
        ['飞鹤', '伊利', '雀巢'],
        [
          ['段位', ['1段', '2段', '3段']],
          ['规格', ['400g', '800g']],
        ],
        [99, 499],
      ),
      leaf(
        '纸尿裤',
        ['纸尿裤', '拉拉裤', '婴儿湿巾'],
        ['帮宝适', '网易严选'],
        [['尺码', ['NB', 'S', 'M', 'L', 'XL']]],
        [39, 299],
      ),
      leaf(
        '益智玩具',
        ['磁力片', '拼图', '早教机', '遥控汽车'],
        ['乐高', '小米', '得力'],
        [['规格', ['入门款', '豪华款']]],
        [29, 599],
        { pricedFirstSpec: true },
      ),
      leaf(
        '童装',
        ['儿童卫衣', '儿童羽绒服', '儿童运动套装'],
        ['巴拉巴拉', '安踏', '李宁'],
        [
          ['颜色', ['红色', '蓝色', '粉色']],
          ['尺码', KID_SIZES],
        ],
        [59, 599],
      ),
      leaf(
        '积木',
        ['拼插积木', '城市系列积木', '机械组积木'],
        ['乐高'],
        [['规格', ['小盒', '中盒', '大盒']]],
        [99, 2999],
        { english: ['Building Blocks Set'], pricedFirstSpec: true },
      ),
    ],
  },
  {
    name: '图书文娱',
    children: [
      leaf(
        '小说',
        ['长篇小说', '科幻小说', '悬疑推理小说', '经典文学'],
        ['人民文学出版社', '中信出版社'],
        [['版本', ['平装', '精装']]],
        [19, 99],
        { pricedFirstSpec: true },
      ),
      leaf(
        '童书',
        ['绘本', '儿童百科全书', '拼音读物'],
        ['中信出版社', '人民文学出版社'],
        [['版本', ['单册', '套装']]],
        [15, 299],
        { pricedFirstSpec: true },
      ),
      leaf('经管', ['管理学', '投资理财', '创业指南'], ['中信出版社'], [['版本', ['平装', '精装']]], [29, 129], {
        pricedFirstSpec: true,
      }),
      leaf(
        '乐器',
        ['电子琴', '尤克里里', '民谣吉他', '电钢琴'],
        ['雅马哈'],
        [
          ['规格', ['入门款', '进阶款', '演奏款']],
          ['颜色', ['原木色', '黑色']],
        ],
        [199, 9999],
        { english: ['Digital Piano', 'Acoustic Guitar', 'Ukulele'], pricedFirstSpec: true },
      ),
    ],
  },
];

export const MODIFIERS = [
  '',
  '',
  '',
  ' 2025新款',
  ' Pro',
  ' Max',
  ' 青春版',
  ' 旗舰版',
  ' 升级款',
  ' 经典款',
  ' Plus',
  ' 礼盒装',
];
export const ENGLISH_MODELS = ['S1', 'X2', 'Pro 3', 'Air', 'Max 5', 'Lite', 'One', 'Ultra', 'Neo', 'Go'];
export const SELLING_POINTS = [
  '品质之选，做工精细',
  '官方正品，全国联保',
  '轻巧便携，出行无忧',
  '人气爆款，好评如潮',
  '环保材质，安心使用',
  '简约设计，百搭实用',
  '性能强劲，体验出众',
  '七天无理由退换',
];
export const ORIGINS = ['中国', '中国', '中国', '中国', '中国', '日本', '德国', '美国', '越南'];
