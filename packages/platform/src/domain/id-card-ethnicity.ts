/**
 * 民族 as the ID card prints it (without 族): the 56 groups of GB/T 3304-1991, codes
 * 01–56 in order, and the two other entries of that list a card can carry, 97 其他
 * (未识别民族) and 98 外国血统 (外国血统中国籍人士). The standard (浙江 实名制考勤设备
 * 技术标准) has no data dictionary for 民族: §1.1(1) only lists it among the fields the
 * card reader gives, so GB/T 3304 is the list. A trailing 族 is accepted (汉族 = 汉).
 */
export const ETHNIC_GROUPS: readonly string[] = [
  '汉',
  '蒙古',
  '回',
  '藏',
  '维吾尔',
  '苗',
  '彝',
  '壮',
  '布依',
  '朝鲜',
  '满',
  '侗',
  '瑶',
  '白',
  '土家',
  '哈尼',
  '哈萨克',
  '傣',
  '黎',
  '傈僳',
  '佤',
  '畲',
  '高山',
  '拉祜',
  '水',
  '东乡',
  '纳西',
  '景颇',
  '柯尔克孜',
  '土',
  '达斡尔',
  '仫佬',
  '羌',
  '布朗',
  '撒拉',
  '毛南',
  '仡佬',
  '锡伯',
  '阿昌',
  '普米',
  '塔吉克',
  '怒',
  '乌孜别克',
  '俄罗斯',
  '鄂温克',
  '德昂',
  '保安',
  '裕固',
  '京',
  '塔塔尔',
  '独龙',
  '鄂伦春',
  '赫哲',
  '门巴',
  '珞巴',
  '基诺',
];

/** GB/T 3304's entries beyond the 56 groups. */
export const ETHNIC_OTHER: readonly string[] = ['其他', '外国血统'];

const KNOWN = new Set([...ETHNIC_GROUPS, ...ETHNIC_OTHER]);

/** The card's spelling (汉族 → 汉), or undefined when the text is not on the list. */
export function normalizeEthnicity(raw: string): string | undefined {
  const t = raw.trim().normalize('NFKC');
  if (KNOWN.has(t)) return t;
  const bare = t.endsWith('族') ? t.slice(0, -1) : t;
  if (KNOWN.has(bare)) return bare;
  if (t === '外国血统中国籍人士' || t === '其他未识别民族' || t === '未识别民族')
    return t.startsWith('外') ? '外国血统' : '其他';
  return undefined;
}
