/**
 * The province-level codes of GB/T 2260 (行政区划代码), the first two digits of an ID
 * number: 31 provinces, autonomous regions and municipalities, 71 Taiwan, 81 Hong Kong,
 * 82 Macao, and 83 for the residence permits of Hong Kong, Macao and Taiwan residents
 * (港澳台居民居住证, issued since 2018 with the same 18-character format). Only the
 * first two digits are checked: prefecture and county codes are renamed and merged
 * every year and an old card keeps the code it was issued under, so a full county list
 * would refuse valid numbers unless it carried every code ever issued.
 */
export const PROVINCE_CODES: Readonly<Record<string, string>> = {
  '11': '北京',
  '12': '天津',
  '13': '河北',
  '14': '山西',
  '15': '内蒙古',
  '21': '辽宁',
  '22': '吉林',
  '23': '黑龙江',
  '31': '上海',
  '32': '江苏',
  '33': '浙江',
  '34': '安徽',
  '35': '福建',
  '36': '江西',
  '37': '山东',
  '41': '河南',
  '42': '湖北',
  '43': '湖南',
  '44': '广东',
  '45': '广西',
  '46': '海南',
  '50': '重庆',
  '51': '四川',
  '52': '贵州',
  '53': '云南',
  '54': '西藏',
  '61': '陕西',
  '62': '甘肃',
  '63': '青海',
  '64': '宁夏',
  '65': '新疆',
  '71': '台湾',
  '81': '香港',
  '82': '澳门',
  '83': '港澳台居民居住证',
};

/** The province (or permit kind) a number's first two digits name, if any. */
export function provinceOf(idNumber: string): string | undefined {
  return Object.hasOwn(PROVINCE_CODES, idNumber.slice(0, 2))
    ? PROVINCE_CODES[idNumber.slice(0, 2)]
    : undefined;
}
